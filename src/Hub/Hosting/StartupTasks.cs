using IntegrationHub.Persistence;
using IntegrationHub.Security;

namespace IntegrationHub.Hosting;

/// <summary>Runs before the hub answers: schema migrations, the bootstrap key, the link signing key. Readiness flips when both are done.</summary>
public sealed class StartupTasks(SchemaMigrator migrator, BootstrapApiKey bootstrap, Convocations.LinkSigningKey linkKey, ReadinessCheck readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        await bootstrap.EnsureAsync(cancellationToken);
        await linkKey.LoadAsync(cancellationToken);
        readiness.MarkReady();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

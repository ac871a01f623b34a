using IntegrationHub.Persistence;
using IntegrationHub.Security;

namespace IntegrationHub.Hosting;

/// <summary>Runs before the hub answers: schema migrations, then the bootstrap key. Readiness flips when both are done.</summary>
public sealed class StartupTasks(SchemaMigrator migrator, BootstrapApiKey bootstrap, ReadinessCheck readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        await bootstrap.EnsureAsync(cancellationToken);
        readiness.MarkReady();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

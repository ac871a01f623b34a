using IntegrationHub.Persistence;
using IntegrationHub.Security;

namespace IntegrationHub.Hosting;

/// <summary>Runs before the hub answers: schema migrations, the bootstrap key, the link signing key. Readiness flips when both are done.</summary>
public sealed class StartupTasks(
    SchemaMigrator migrator,
    BootstrapApiKey bootstrap,
    Convocations.LinkSigningKey linkKey,
    Documents.Storage.IDocumentStore documents,
    ConnectorInstances.SecretSettingsUpgrade secretSettings,
    TimeProvider time,
    ReadinessCheck readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        await bootstrap.EnsureAsync(cancellationToken);
        await linkKey.LoadAsync(cancellationToken);
        await secretSettings.RunAsync(cancellationToken);
        // Uploads a stopped process left half-staged are never committed: their files are removed after a day.
        if (documents is Documents.Storage.FileSystemDocumentStore files)
        {
            files.DeleteStagingFilesOlderThan(time.GetUtcNow().AddDays(-1));
        }
        readiness.MarkReady();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

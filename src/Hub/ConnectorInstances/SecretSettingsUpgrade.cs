using System.Text.Json;
using IntegrationHub.PluginHost;

namespace IntegrationHub.ConnectorInstances;

/// <summary>
/// Moves values a connector type now declares secret out of the stored plain settings into the encrypted secrets, once,
/// at start-up. A key can become secret between versions (microsoft365's <c>teamsWorkflowUrl</c>: its <c>sig=</c> is a
/// bearer credential): left in the settings, the old value would still be returned by the API in clear, and the code
/// that now reads it from the secrets would take the surface for unconfigured.
/// </summary>
public sealed class SecretSettingsUpgrade(ConnectorStore store, ConnectorSecrets secrets, ConnectorTypeRegistry registry, TimeProvider time, ILogger<SecretSettingsUpgrade> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var instance in await store.ListAllAsync(cancellationToken))
        {
            if (registry.Find(instance.Type) is not { } type)
            {
                continue;
            }
            var settings = ConnectorSecrets.ReadSettings(instance.Settings);
            var moved = type.Settings.Where(s => s.Secret && settings.ContainsKey(s.Key)).Select(s => s.Key).ToList();
            if (moved.Count == 0)
            {
                continue;
            }
            var protectedValues = secrets.Unprotect(instance.ProtectedSecrets);
            foreach (var key in moved)
            {
                // A secret entered since (under its new home) is the newer value: it wins over the legacy setting.
                protectedValues.TryAdd(key, settings[key]);
                settings.Remove(key);
            }
            instance.Settings = JsonSerializer.Serialize(settings);
            instance.ProtectedSecrets = secrets.Protect(protectedValues);
            instance.UpdatedAt = time.GetUtcNow();
            await store.SaveAsync(instance, cancellationToken);
            logger.LogWarning("Connector {Connector} of authority {AuthorityId}: moved {Keys} from its settings to its encrypted secrets",
                instance.Name, instance.AuthorityId, string.Join(", ", moved));
        }
    }
}

using Dapper;
using IntegrationHub.Dispatch;
using IntegrationHub.Persistence;
using IntegrationHub.PluginHost;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IntegrationHub.ConnectorInstances;

/// <summary>
/// Each configured connector's health, without calling any provider (that is what "test connection" is for): its type
/// is loaded, its settings still validate, and its latest deliveries are not all failing.
/// </summary>
public sealed class ConnectorHealthCheck(ConnectorStore store, ConnectorSecrets secrets, ConnectorTypeRegistry registry, HubDatabase database) : IHealthCheck
{
    private const int RecentDeliveries = 5;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // /health answers anyone: it gives counts per state and per type, never which authority has which problem
        // (that detail is in each authority's connector list, for its administrators).
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var worst = HealthStatus.Healthy;
        var total = 0;
        foreach (var instance in await store.ListAllEnabledAsync(cancellationToken))
        {
            var (status, _) = await CheckAsync(instance, cancellationToken);
            var key = $"{instance.Type}:{status.ToString().ToLowerInvariant()}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
            total++;
            if (status < worst)
            {
                worst = status;
            }
        }
        var description = total == 0 ? "no connector configured" : $"{total} connector(s)";
        return new HealthCheckResult(worst, description, data: counts.ToDictionary(c => c.Key, c => (object)c.Value));
    }

    public async Task<(HealthStatus Status, string Detail)> CheckAsync(ConnectorInstance instance, CancellationToken cancellationToken)
    {
        if (registry.Find(instance.Type) is not { } type)
        {
            return (HealthStatus.Unhealthy, $"{instance.Type}: type not loaded");
        }
        var errors = type.Validate(secrets.ToSettings(instance));
        if (errors.Count > 0)
        {
            return (HealthStatus.Unhealthy, $"{instance.Type}: invalid settings ({string.Join(", ", errors.Select(e => e.Key))})");
        }
        await using var connection = await database.OpenAsync(cancellationToken);
        var statuses = (await connection.QueryAsync<string>(
            "SELECT status FROM deliveries WHERE authority_id = @AuthorityId AND channel = @Name AND attempts > 0 ORDER BY updated_at DESC",
            new { instance.AuthorityId, instance.Name })).Take(RecentDeliveries).ToList();
        return statuses.Count == RecentDeliveries && statuses.All(s => s == DeliveryStatus.Failed)
            ? (HealthStatus.Degraded, $"{instance.Type}: the last {RecentDeliveries} deliveries failed")
            : (HealthStatus.Healthy, $"{instance.Type}: ok");
    }
}

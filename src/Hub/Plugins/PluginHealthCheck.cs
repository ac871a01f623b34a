using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IntegrationHub.PluginHost;

/// <summary>
/// Reports the plugins: the registration's failure status (register it as Degraded: the other connectors still work)
/// naming each failed plugin and why, Degraded for a warning such as a missing plugin folder, Healthy otherwise.
/// Reasons are one line, never a stack trace.
/// </summary>
public sealed class PluginHealthCheck(PluginLoadReport report) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var loaded = report.Loaded.Select(p => p.Name).ToList();
        var types = report.Registry.All.Select(t => t.TypeId).ToList();
        var failed = report.Failed.Select(p => $"{p.Name} ({p.Source}): {p.Reason}").ToList();
        var data = new Dictionary<string, object>
        {
            ["loaded"] = loaded,
            ["connectorTypes"] = types,
            ["failed"] = failed,
            ["warnings"] = report.Warnings,
        };
        var summary = $"Plugins loaded: {Join(loaded)}; connector types: {Join(types)}.";

        var result = (failed.Count, report.Warnings.Count) switch
        {
            ( > 0, _) => new HealthCheckResult(
                context.Registration?.FailureStatus ?? HealthStatus.Unhealthy,
                $"{failed.Count} plugin(s) failed to load: {string.Join("; ", failed).TrimEnd('.')}. {summary}",
                data: data),
            (_, > 0) => HealthCheckResult.Degraded($"{string.Join(" ", report.Warnings)} {summary}", data: data),
            _ => HealthCheckResult.Healthy(summary, data),
        };
        return Task.FromResult(result);
    }

    private static string Join(List<string> items) => items.Count == 0 ? "none" : string.Join(", ", items);
}

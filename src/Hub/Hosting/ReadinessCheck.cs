using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IntegrationHub.Hosting;

public sealed class ReadinessCheck : IHealthCheck
{
    private volatile bool _ready;

    public void MarkReady() => _ready = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy("ready") : HealthCheckResult.Unhealthy("starting"));
}

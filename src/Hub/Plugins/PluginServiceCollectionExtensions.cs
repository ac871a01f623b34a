using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IntegrationHub.PluginHost;

public static class PluginServiceCollectionExtensions
{
    /// <summary>
    /// Loads the plugins of <paramref name="builtInAssemblies"/> and of the folder <c>Hub:Plugins:Directory</c> (when
    /// set), and registers the <see cref="ConnectorTypeRegistry"/> and the <see cref="PluginLoadReport"/> as singletons.
    /// The report is logged when the host starts, with the application's logging configuration.
    /// </summary>
    /// <returns>The report; its <see cref="PluginLoadReport.Registry"/> holds the connector types.</returns>
    /// <exception cref="InvalidOperationException">Called twice on the same services.</exception>
    public static PluginLoadReport AddHubPlugins(this IServiceCollection services, IConfiguration configuration, IEnumerable<Assembly> builtInAssemblies)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(builtInAssemblies);
        if (services.Any(d => d.ServiceType == typeof(ConnectorTypeRegistry)))
        {
            throw new InvalidOperationException($"{nameof(AddHubPlugins)} was already called: plugins register once.");
        }

        var report = PluginLoader.LoadPlugins(services, new ConnectorTypeRegistry(), builtInAssemblies, configuration[PluginLoader.DirectoryKey]);
        services.AddSingleton(report.Registry);
        services.AddSingleton(report);
        services.AddHostedService<PluginLoadReportLogger>();
        return report;
    }

    /// <summary>Adds <see cref="PluginHealthCheck"/>; a failed plugin makes the hub Degraded, not Unhealthy: the other connectors still deliver.</summary>
    public static IHealthChecksBuilder AddPluginHealthCheck(this IHealthChecksBuilder builder, string name = "plugins", params string[] tags) =>
        builder.AddCheck<PluginHealthCheck>(name, HealthStatus.Degraded, tags);
}

/// <summary>
/// Plugins load while services are being registered, before the application's loggers exist: the report is written
/// once the host starts.
/// </summary>
internal sealed class PluginLoadReportLogger(PluginLoadReport report, ILoggerFactory loggerFactory) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        report.Log(loggerFactory.CreateLogger(typeof(PluginLoader).FullName!));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

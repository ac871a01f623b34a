using IntegrationHub.PluginHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace IntegrationHub.Plugins.Abstractions.Tests;

public class PluginHealthCheckTests
{
    private static Task<HealthCheckResult> CheckAsync(PluginLoadReport report, HealthStatus failureStatus = HealthStatus.Degraded)
    {
        var check = new PluginHealthCheck(report);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("plugins", check, failureStatus, null) };
        return check.CheckHealthAsync(context, CancellationToken.None);
    }

    [Fact]
    public async Task CheckHealthAsync_EverythingLoaded_IsHealthyListingPluginsAndTypes()
    {
        using var folder = new PluginFolder().WithSample();
        var report = PluginLoader.LoadPlugins(new ServiceCollection(), new ConnectorTypeRegistry(), [], folder.Path);

        var result = await CheckAsync(report);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("Plugins loaded: signed-webhook; connector types: signed-webhook.", result.Description);
        Assert.Equal(["signed-webhook"], (IEnumerable<string>)result.Data["connectorTypes"]);
    }

    [Theory]
    [InlineData(HealthStatus.Degraded)]
    [InlineData(HealthStatus.Unhealthy)]
    public async Task CheckHealthAsync_APluginFailed_ReportsTheRegistrationStatusWithNameAndReasonButNoStackTrace(HealthStatus failureStatus)
    {
        var report = PluginLoader.LoadPlugins(new ServiceCollection(), new ConnectorTypeRegistry(), [typeof(ScenarioPlugins).Assembly], null);

        var result = await CheckAsync(report, failureStatus);

        Assert.Equal(failureStatus, result.Status);
        Assert.StartsWith("3 plugin(s) failed to load: ", result.Description, StringComparison.Ordinal);
        Assert.Contains("throwing (IntegrationHub.Plugins.Abstractions.Tests): InvalidOperationException: the plugin's licence file is missing", result.Description, StringComparison.Ordinal);
        Assert.Contains("Plugins loaded: alpha; connector types: alpha.", result.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", result.Description, StringComparison.Ordinal);
        Assert.Equal(3, ((IEnumerable<string>)result.Data["failed"]).Count());
    }

    [Fact]
    public async Task CheckHealthAsync_BrokenDllInTheFolder_NamesTheFile()
    {
        using var folder = new PluginFolder().WithSample().WithFile("Broken.dll", [0x4d, 0x5a, 1, 2, 3]);
        var report = PluginLoader.LoadPlugins(new ServiceCollection(), new ConnectorTypeRegistry(), [], folder.Path);

        var result = await CheckAsync(report);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("Broken.dll", result.Description, StringComparison.Ordinal);
        Assert.Contains("BadImageFormatException", result.Description, StringComparison.Ordinal);
        Assert.Contains("Plugins loaded: signed-webhook", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealthAsync_MissingFolder_IsDegradedWithTheWarning()
    {
        var report = PluginLoader.LoadPlugins(new ServiceCollection(), new ConnectorTypeRegistry(), [], "/nonexistent/hub-plugins");

        var result = await CheckAsync(report, HealthStatus.Unhealthy);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("/nonexistent/hub-plugins", result.Description, StringComparison.Ordinal);
    }
}

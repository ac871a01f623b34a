using System.Collections.Concurrent;
using IntegrationHub.PluginHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace IntegrationHub.Plugins.Abstractions.Tests;

public class PluginServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddHubPlugins_FolderFromConfiguration_RegistersRegistryAndReportAndLogsWhenTheHostStarts()
    {
        using var folder = new PluginFolder().WithSample().WithFile("Broken.dll", [1, 2, 3, 4]);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [PluginLoader.DirectoryKey] = folder.Path });
        var logs = new CollectingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs);

        var report = builder.Services.AddHubPlugins(builder.Configuration, [typeof(ScenarioPlugins).Assembly]);
        builder.Services.AddHealthChecks().AddPluginHealthCheck();
        using var host = builder.Build();

        Assert.Same(report, host.Services.GetRequiredService<PluginLoadReport>());
        Assert.Same(report.Registry, host.Services.GetRequiredService<ConnectorTypeRegistry>());
        Assert.NotNull(report.Registry.Find("signed-webhook"));
        Assert.NotNull(report.Registry.Find("alpha"));
        Assert.Empty(logs.Lines);

        await host.StartAsync();
        await host.StopAsync();

        Assert.Contains(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal)
            && l.Contains(Path.Combine(folder.Path, "Broken.dll"), StringComparison.Ordinal)
            && l.Contains(nameof(BadImageFormatException), StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("the plugin's licence file is missing", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.StartsWith("Information", StringComparison.Ordinal) && l.Contains("Plugin signed-webhook loaded", StringComparison.Ordinal));

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Entries["plugins"].Status);
    }

    [Fact]
    public void AddHubPlugins_CalledTwice_Throws()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().Build();
        services.AddHubPlugins(configuration, []);

        Assert.Throws<InvalidOperationException>(() => services.AddHubPlugins(configuration, []));
    }

    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
        }
    }
}

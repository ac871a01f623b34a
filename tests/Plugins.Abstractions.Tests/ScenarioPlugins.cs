using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationHub.Plugins.Abstractions.Tests;

/// <summary>
/// Plugins the loader finds when it scans this test assembly as a built-in assembly: one that works, one that clashes
/// with it, one whose Register throws half-way, one whose constructor throws, and classes that are not entry points.
/// The loader takes them in full-name order, so <see cref="Alpha"/> registers before <see cref="AlphaAgain"/>.
/// </summary>
public static class ScenarioPlugins
{
    public sealed class Alpha : IHubPlugin
    {
        public string Name => "alpha";

        public void Register(IHubBuilder hub) => hub.AddConnectorType(new StubConnectorType("alpha"));
    }

    public sealed class AlphaAgain : IHubPlugin
    {
        public string Name => "alpha-again";

        public void Register(IHubBuilder hub) => hub
            .AddConnectorType(new StubConnectorType("alpha-again-own"))
            .AddConnectorType(new StubConnectorType("ALPHA"));
    }

    public sealed class Throwing : IHubPlugin
    {
        public string Name => "throwing";

        public void Register(IHubBuilder hub)
        {
            hub.Services.AddSingleton<ThrowingPluginService>();
            hub.AddConnectorType(new StubConnectorType("throwing-partial"));
            throw new InvalidOperationException("the plugin's licence file is missing");
        }
    }

    public sealed class ThrowingConstructor : IHubPlugin
    {
        public ThrowingConstructor() => throw new NotSupportedException("this plugin needs Windows");

        public string Name => "never-seen";

        public void Register(IHubBuilder hub) { }
    }

    public abstract class AbstractBase : IHubPlugin
    {
        public string Name => "abstract";

        public void Register(IHubBuilder hub) => hub.AddConnectorType(new StubConnectorType("abstract"));
    }

    public sealed class NeedsArguments(string name) : IHubPlugin
    {
        public string Name => name;

        public void Register(IHubBuilder hub) => hub.AddConnectorType(new StubConnectorType("needs-arguments"));
    }

    internal sealed class Hidden : IHubPlugin
    {
        public string Name => "hidden";

        public void Register(IHubBuilder hub) => hub.AddConnectorType(new StubConnectorType("hidden"));
    }

    public sealed class ThrowingPluginService;
}

/// <summary>A connector type that only has an id.</summary>
public sealed class StubConnectorType(string typeId) : IConnectorType
{
    public string TypeId => typeId;

    public string DisplayName => typeId;

    public RecipientAddress Address => RecipientAddress.None;

    public IReadOnlyList<ConnectorSettingDefinition> Settings => [];

    public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings) => [];

    public IChannel? CreateChannel(ConnectorSettings settings, IServiceProvider services) => null;

    public Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken) =>
        Task.FromResult(new ConnectionCheck(true, "stub"));
}

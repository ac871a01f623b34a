using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Hosting;

namespace IntegrationHub.PluginHost;

/// <summary>What one plugin sees while it registers: the app's services and the shared connector-type registry.</summary>
/// <param name="services">The application's service collection.</param>
/// <param name="registry">The registry the connector types go to.</param>
/// <param name="pluginName">The registering plugin, named in errors and in the registry.</param>
public sealed class HubBuilder(IServiceCollection services, ConnectorTypeRegistry registry, string pluginName) : IHubBuilder
{
    private readonly List<IConnectorType> _added = [];

    public IServiceCollection Services { get; } = services;

    public string PluginName { get; } = pluginName;

    /// <summary>The types this builder added, so a plugin that fails half-way can be rolled back.</summary>
    internal IReadOnlyList<IConnectorType> Added => _added;

    /// <exception cref="InvalidOperationException">Another plugin (or this one) already registered the type id.</exception>
    public IHubBuilder AddConnectorType(IConnectorType connectorType)
    {
        ArgumentNullException.ThrowIfNull(connectorType);
        if (string.IsNullOrWhiteSpace(connectorType.TypeId))
        {
            throw new ArgumentException($"Plugin '{PluginName}' registered a connector type ({connectorType.GetType().FullName}) without a TypeId.", nameof(connectorType));
        }
        registry.Add(connectorType, PluginName);
        _added.Add(connectorType);
        return this;
    }
}

using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.PluginHost;

/// <summary>
/// Every connector type the plugins registered, by <see cref="IConnectorType.TypeId"/>. Filled while the plugins load
/// (before the container is built), read-only afterwards; registered as a singleton.
/// </summary>
public sealed class ConnectorTypeRegistry
{
    private readonly List<ConnectorTypeRegistration> _registrations = [];

    // Type ids are stored with each authority's settings: "Email" and "email" must not name two different types.
    private readonly Dictionary<string, ConnectorTypeRegistration> _byTypeId = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered types, in registration order (built-in assemblies first, then the plugin folder).</summary>
    public IReadOnlyList<IConnectorType> All => _registrations.ConvertAll(r => r.Type);

    /// <summary>The registered types with the plugin that registered each one.</summary>
    public IReadOnlyList<ConnectorTypeRegistration> Registrations => _registrations.AsReadOnly();

    /// <summary>The type registered under <paramref name="typeId"/> (case-insensitive), or null.</summary>
    public IConnectorType? Find(string typeId) => _byTypeId.TryGetValue(typeId, out var registration) ? registration.Type : null;

    /// <summary>The name of the plugin that registered <paramref name="typeId"/>, or null.</summary>
    public string? PluginOf(string typeId) => _byTypeId.TryGetValue(typeId, out var registration) ? registration.PluginName : null;

    internal void Add(IConnectorType type, string pluginName)
    {
        if (_byTypeId.TryGetValue(type.TypeId, out var existing))
        {
            throw new InvalidOperationException(
                $"Connector type '{type.TypeId}' is registered by plugin '{existing.PluginName}' and again by plugin '{pluginName}'; type ids must be unique.");
        }
        var registration = new ConnectorTypeRegistration(type, pluginName);
        _byTypeId.Add(type.TypeId, registration);
        _registrations.Add(registration);
    }

    internal void Remove(IConnectorType type)
    {
        var index = _registrations.FindIndex(r => ReferenceEquals(r.Type, type));
        if (index >= 0)
        {
            _byTypeId.Remove(type.TypeId);
            _registrations.RemoveAt(index);
        }
    }
}

/// <summary>A connector type and the plugin that registered it.</summary>
/// <param name="Type">The connector type.</param>
/// <param name="PluginName">The registering plugin's <see cref="Plugins.Hosting.IHubPlugin.Name"/>.</param>
public sealed record ConnectorTypeRegistration(IConnectorType Type, string PluginName);

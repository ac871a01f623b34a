namespace IntegrationHub.Plugins.Hosting;

/// <summary>
/// A plugin's entry point. The hub finds every non-abstract implementation with a public parameterless constructor in
/// its connector assemblies and in the plugin folder (<c>Hub:Plugins:Directory</c>), creates it and calls
/// <see cref="Register"/> once at start-up. A plugin that throws is logged and reported unhealthy; the hub still starts.
/// </summary>
public interface IHubPlugin
{
    /// <summary>A short, stable name for logs and health reports, for example <c>twilio</c>.</summary>
    string Name { get; }

    /// <summary>Registers the plugin's connector types (and any services they need) with explicit code.</summary>
    /// <param name="hub">The hub being built.</param>
    void Register(IHubBuilder hub);
}

/// <summary>What a plugin may add to the hub.</summary>
public interface IHubBuilder
{
    /// <summary>The hub's services, for what the plugin's connectors need (an <c>HttpClient</c>, a cache…).</summary>
    Microsoft.Extensions.DependencyInjection.IServiceCollection Services { get; }

    /// <summary>Adds a connector type; a second type with the same <see cref="Connectors.IConnectorType.TypeId"/> fails at start-up.</summary>
    /// <param name="connectorType">The connector type.</param>
    /// <returns>This builder.</returns>
    IHubBuilder AddConnectorType(Connectors.IConnectorType connectorType);
}

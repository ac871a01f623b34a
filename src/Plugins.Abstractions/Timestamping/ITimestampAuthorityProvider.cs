using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.Plugins.Timestamping;

/// <summary>Implemented by a connector type whose instances are RFC 3161 time-stamping authorities.</summary>
public interface ITimestampAuthorityProvider
{
    /// <summary>Creates the authority of one configured instance. Cheap: it should open no connection.</summary>
    /// <param name="settings">The instance's validated settings.</param>
    /// <param name="services">The hub's services.</param>
    /// <returns>The authority.</returns>
    /// <exception cref="ConnectorConfigurationException">A setting is missing or unusable.</exception>
    ITimestampAuthority CreateTimestampAuthority(ConnectorSettings settings, IServiceProvider services);
}

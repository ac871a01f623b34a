using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.Plugins.Documents;

/// <summary>Implemented by a connector type whose instances are document sources (for example a document management database).</summary>
public interface IDocumentSourceProvider
{
    /// <summary>Creates the document source of one configured instance. Cheap: it should open no connection.</summary>
    /// <param name="settings">The instance's validated settings.</param>
    /// <param name="services">The hub's services.</param>
    /// <returns>The source.</returns>
    /// <exception cref="ConnectorConfigurationException">A setting is missing or unusable.</exception>
    IDocumentSource CreateSource(ConnectorSettings settings, IServiceProvider services);
}

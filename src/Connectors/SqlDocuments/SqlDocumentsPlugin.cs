using IntegrationHub.Plugins.Hosting;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>Registers the <c>sql-documents</c> connector type (documents read from the authority's SQL database).</summary>
public sealed class SqlDocumentsPlugin : IHubPlugin
{
    /// <inheritdoc />
    public string Name => SqlDocumentsConnectorType.Id;

    /// <inheritdoc />
    public void Register(IHubBuilder hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        hub.AddConnectorType(new SqlDocumentsConnectorType());
    }
}

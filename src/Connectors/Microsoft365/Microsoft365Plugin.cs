using IntegrationHub.Plugins.Hosting;

namespace IntegrationHub.Connectors.Microsoft365;

/// <summary>Registers the <c>microsoft365</c> connector type (Outlook calendars through Microsoft Graph).</summary>
public sealed class Microsoft365Plugin : IHubPlugin
{
    /// <inheritdoc />
    public string Name => "microsoft365";

    /// <inheritdoc />
    public void Register(IHubBuilder hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        hub.AddConnectorType(new Microsoft365ConnectorType());
    }
}

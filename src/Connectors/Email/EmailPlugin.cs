using IntegrationHub.Plugins.Hosting;

namespace IntegrationHub.Connectors.Email;

/// <summary>The email plugin: registers the « Courriel (SMTP / IMAP) » connector type.</summary>
public sealed class EmailPlugin : IHubPlugin
{
    /// <inheritdoc />
    public string Name => "email";

    /// <inheritdoc />
    public void Register(IHubBuilder hub) => hub.AddEmailConnector();
}

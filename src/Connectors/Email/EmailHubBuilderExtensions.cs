using IntegrationHub.Connectors.Email;

namespace IntegrationHub.Plugins.Hosting;

/// <summary>Registers the email connector type with the hub.</summary>
public static class EmailHubBuilderExtensions
{
    /// <summary>Adds the <c>email</c> connector type (SMTP channel, IMAP reply mailbox, DKIM).</summary>
    /// <param name="hub">The hub being built.</param>
    /// <returns>The hub builder.</returns>
    public static IHubBuilder AddEmailConnector(this IHubBuilder hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        return hub.AddConnectorType(new EmailConnectorType());
    }
}

using IntegrationHub.Plugins.Hosting;

namespace Example.SignedWebhook;

/// <summary>The entry point the hub finds in the plugin folder and calls once at start-up.</summary>
public sealed class SignedWebhookPlugin : IHubPlugin
{
    /// <inheritdoc />
    public string Name => "signed-webhook";

    /// <inheritdoc />
    public void Register(IHubBuilder hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        hub.AddConnectorType(new SignedWebhookConnectorType());
    }
}

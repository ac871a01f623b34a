using IntegrationHub.Plugins.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>Registers the <c>twilio</c> connector type (SMS) and its named <see cref="HttpClient"/>.</summary>
public sealed class TwilioPlugin : IHubPlugin
{
    /// <inheritdoc />
    public string Name => "twilio";

    /// <inheritdoc />
    /// <remarks>
    /// The named client <see cref="TwilioConnectorType.HttpClientName"/> gets a 30-second timeout, no redirects and no
    /// resilience handler: a send is retried by the hub, never by the HTTP stack.
    /// </remarks>
    public void Register(IHubBuilder hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        hub.Services.AddHttpClient(TwilioConnectorType.HttpClientName, client => client.Timeout = TwilioConnectorType.DefaultTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        hub.AddConnectorType(new TwilioConnectorType());
    }
}

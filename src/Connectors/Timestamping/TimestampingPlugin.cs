using IntegrationHub.Plugins.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>Registers the <c>rfc3161</c> connector type (an external time-stamping authority) and its named <see cref="HttpClient"/>.</summary>
public sealed class TimestampingPlugin : IHubPlugin
{
    /// <inheritdoc />
    public string Name => "rfc3161";

    /// <inheritdoc />
    /// <remarks>
    /// The named client <see cref="Rfc3161ConnectorType.HttpClientName"/> follows no redirects (the query would be
    /// re-sent elsewhere with its credentials) and has no resilience handler: the ledger retries, not the HTTP stack.
    /// The timeout is the authority's own.
    /// </remarks>
    public void Register(IHubBuilder hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        hub.Services.AddHttpClient(Rfc3161ConnectorType.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        hub.AddConnectorType(new Rfc3161ConnectorType());
    }
}

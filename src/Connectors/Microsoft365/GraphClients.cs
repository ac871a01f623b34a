using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;
using GraphAzureIdentityAuthenticationProvider = Microsoft.Graph.Authentication.AzureIdentityAuthenticationProvider;

namespace IntegrationHub.Connectors.Microsoft365;

/// <summary>
/// Builds <see cref="GraphServiceClient"/>s as INTEGRATIONS.md §1.1 says: an <see cref="HttpClient"/> from
/// <see cref="GraphClientFactory"/> (its retry handler honours <c>Retry-After</c> on 429/503/504), the base URL passed to
/// the client, and an authentication provider whose allowed hosts include the configured Graph host (a
/// <see cref="TokenCredential"/> alone would silently send no token to any other host).
/// </summary>
internal static class GraphClients
{
    /// <summary>Outlook allows 4 concurrent requests per mailbox and app.</summary>
    internal const int MaxConcurrentRequestsPerMailbox = 4;

    // One connection pool for every client; handlers above it are per client and cheap.
    private static readonly SocketsHttpHandler SharedTransport = new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    };

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> MailboxGates = new(StringComparer.OrdinalIgnoreCase);

    public static GraphServiceClient Create(Microsoft365Settings settings)
    {
        var handlers = GraphClientFactory.CreateDefaultHandlers();
        // Innermost, under the retry handler: it bounds requests actually on the wire, retries included.
        handlers.Add(new MailboxConcurrencyHandler(GateOf(settings)));
        var http = GraphClientFactory.Create(handlers, finalHandler: SharedTransport, disposeHandler: false);
        return new GraphServiceClient(http, AuthenticationProvider(settings), settings.BaseUrlText);
    }

    /// <summary>The gate shared by every client of the same Graph host and organiser mailbox.</summary>
    internal static SemaphoreSlim GateOf(Microsoft365Settings settings) =>
        MailboxGates.GetOrAdd($"{settings.GraphBaseUrl.Authority}|{settings.OrganizerMailbox}", _ => new SemaphoreSlim(MaxConcurrentRequestsPerMailbox));

    /// <summary>Event ids that survive moves (store them), and times in Paris.</summary>
    public static void AddPreferHeaders(Microsoft.Kiota.Abstractions.RequestHeaders headers)
    {
        headers.Add("Prefer", "IdType=\"ImmutableId\"");
        headers.Add("Prefer", "outlook.timezone=\"Europe/Paris\"");
    }

    private static IAuthenticationProvider AuthenticationProvider(Microsoft365Settings settings)
    {
        var host = settings.GraphBaseUrl.Host;
        switch (settings.CredentialKind)
        {
            case GraphCredentialKind.StaticToken:
                return new BaseBearerTokenAuthenticationProvider(new StaticTokenProvider(settings.StaticToken!, host));
            case GraphCredentialKind.Certificate:
                var certificate = settings.LoadCertificate();
                return Azure(new ClientCertificateCredential(settings.TenantId, settings.ClientId, certificate), settings);
            default:
                return Azure(new ClientSecretCredential(settings.TenantId, settings.ClientId, settings.ClientSecret), settings);
        }
    }

    private static GraphAzureIdentityAuthenticationProvider Azure(TokenCredential credential, Microsoft365Settings settings) =>
        new(credential, [settings.GraphBaseUrl.Host], null, true, settings.Scope);

    /// <summary>A fixed bearer token, only for the configured host (validation refuses Microsoft's hosts).</summary>
    private sealed class StaticTokenProvider(string token, string host) : IAccessTokenProvider
    {
        public AllowedHostsValidator AllowedHostsValidator { get; } = new([host]);

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(AllowedHostsValidator.IsUrlHostValid(uri) ? token : string.Empty);
    }

    /// <summary>At most <see cref="MaxConcurrentRequestsPerMailbox"/> requests in flight per mailbox, across clients.</summary>
    private sealed class MailboxConcurrencyHandler(SemaphoreSlim gate) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.Connectors.Microsoft365;
using IntegrationHub.Convocations;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace IntegrationHub.Validation.Decisions;

/// <summary>An authority's Entra ID application, as the approvers' sign-in uses it.</summary>
public sealed record SignInSettings(Uri LoginBaseUrl, string TenantId, string ClientId, string ClientSecret)
{
    public string MetadataAddress => $"{LoginBaseUrl.AbsoluteUri.TrimEnd('/')}/{TenantId}/v2.0/.well-known/openid-configuration";

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"{LoginBaseUrl} tenant {TenantId} client {ClientId}";
}

/// <summary>
/// Entra ID sign-in (OpenID Connect authorization code flow with PKCE) as an approver's proof of identity, for
/// authorities whose <c>microsoft365</c> connector has <c>approverSignIn</c> = true. The flow's state, nonce and PKCE
/// verifier travel in a Data-Protection-encrypted cookie bound to the link; the id_token is checked against the
/// tenant's discovery document and keys (issuer, audience = the application, signature, lifetime on the hub's clock,
/// nonce; after an unknown signing key the metadata is fetched once more, for a key rollover). The proven address
/// (<c>preferred_username</c>, else <c>upn</c>; never the unverified <c>email</c>) is then kept for a quarter of an hour in a second
/// encrypted cookie bound to the step, and used for one decision.
/// </summary>
public sealed class ApproverSignIn(
    ConnectorStore connectors,
    ConnectorSecrets secrets,
    IHttpClientFactory httpClients,
    IDataProtectionProvider protection,
    MemberLinks memberLinks,
    TimeProvider time)
{
    public const string Proof = "oidc";
    public const string HttpClientName = "entra-sign-in";
    public static readonly TimeSpan FlowLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan SignedInLifetime = TimeSpan.FromMinutes(15);

    private const string FlowCookie = "hub-approver-signin";
    private const string ApproverCookie = "hub-approver";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly IDataProtector _protector = protection.CreateProtector("IntegrationHub.Validation.ApproverSignIn.v1");
    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> _configurations = new(StringComparer.Ordinal);

    private sealed record Flow(string Token, string State, string Nonce, string Verifier, Guid AuthorityId, long Expires);

    private sealed record SignedIn(Guid StepId, string Address, long Expires);

    public Uri RedirectUri => new(memberLinks.BaseUrl, "validation/signin-callback");

    /// <summary>The authority's sign-in, or null when it did not turn it on.</summary>
    public async Task<SignInSettings?> SettingsAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        foreach (var instance in await connectors.ListAsync(authorityId, cancellationToken))
        {
            var values = ConnectorSecrets.ReadSettings(instance.Settings);
            if (!instance.Enabled || instance.Type != Microsoft365ConnectorType.Id
                || !string.Equals(values.GetValueOrDefault(Microsoft365ConnectorType.ApproverSignInKey), "true", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var secret = secrets.Unprotect(instance.ProtectedSecrets).GetValueOrDefault(Microsoft365ConnectorType.ClientSecretKey);
            if (values.GetValueOrDefault(Microsoft365ConnectorType.TenantIdKey) is { } tenant && values.GetValueOrDefault(Microsoft365ConnectorType.ClientIdKey) is { } client
                && secret is not null)
            {
                return new SignInSettings(
                    new Uri(values.GetValueOrDefault(Microsoft365ConnectorType.LoginBaseUrlKey) ?? Microsoft365ConnectorType.DefaultLoginBaseUrl), tenant, client, secret);
            }
        }
        return null;
    }

    /// <summary>Sends the browser to Entra ID; it comes back to <see cref="RedirectUri"/>.</summary>
    public async Task<IResult> StartAsync(HttpContext http, string token, Guid authorityId, SignInSettings settings, CancellationToken cancellationToken)
    {
        var configuration = await ConfigurationAsync(settings, cancellationToken);
        var flow = new Flow(token, Random(), Random(), Random(), authorityId, (time.GetUtcNow() + FlowLifetime).ToUnixTimeSeconds());
        Write(http, FlowCookie, flow, FlowLifetime, "/validation");
        var challenge = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(flow.Verifier)));
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = settings.ClientId,
            ["response_type"] = "code",
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["response_mode"] = "query",
            ["scope"] = "openid profile",
            ["state"] = flow.State,
            ["nonce"] = flow.Nonce,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["prompt"] = "select_account",
        };
        return Results.Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(configuration.AuthorizationEndpoint, query));
    }

    /// <summary>Completes the flow: the link the approver came from, and their proven address or a French reason.</summary>
    public async Task<(string? Token, string? Address, string? Error)> CompleteAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var flow = Read<Flow>(http, FlowCookie);
        http.Response.Cookies.Delete(FlowCookie, new CookieOptions { Path = "/validation" });
        var query = http.Request.Query;
        if (flow is null || flow.Expires <= time.GetUtcNow().ToUnixTimeSeconds()
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(flow.State), Encoding.ASCII.GetBytes(query["state"].ToString())))
        {
            return (flow?.Token, null, "La connexion a expiré ou ne vient pas de cette page. Rouvrez le lien et recommencez.");
        }
        if (!string.IsNullOrEmpty(query["error"]))
        {
            return (flow.Token, null, "Microsoft Entra ID n'a pas confirmé votre identité (connexion annulée ou refusée).");
        }
        if (await SettingsAsync(flow.AuthorityId, cancellationToken) is not { } settings)
        {
            return (flow.Token, null, "La connexion Microsoft n'est plus proposée par cette collectivité : demandez un code par courriel.");
        }
        var configuration = await ConfigurationAsync(settings, cancellationToken);
        using var response = await httpClients.CreateClient(HttpClientName).PostAsync(configuration.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = query["code"].ToString(),
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = settings.ClientId,
            ["client_secret"] = settings.ClientSecret,
            ["code_verifier"] = flow.Verifier,
        }), cancellationToken);
        if (!response.IsSuccessStatusCode
            || (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).TryGetProperty("id_token", out var idToken) is false)
        {
            return (flow.Token, null, "Microsoft Entra ID n'a pas délivré de jeton d'identité : réessayez, ou demandez un code par courriel.");
        }
        var validated = await ValidateAsync(idToken.GetString(), settings, configuration);
        if (validated.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // A key rollover at Entra ID: the cached keys predate the token's. The metadata is fetched again, once.
            configuration = await ConfigurationAsync(settings, cancellationToken, refresh: true);
            validated = await ValidateAsync(idToken.GetString(), settings, configuration);
        }
        string? Claim(string name) => validated.Claims.TryGetValue(name, out var value) ? value as string : null;
        if (!validated.IsValid || Claim("nonce") != flow.Nonce)
        {
            return (flow.Token, null, "Le jeton d'identité reçu n'est pas valable : rien n'a été enregistré.");
        }
        // The UPN only: the `email` claim is not verified by Entra ID and a user (or a guest's home tenant) can set it to
        // anyone's address (« nOAuth »), so it never proves who is signed in.
        var address = Claim("preferred_username") ?? Claim("upn");
        return string.IsNullOrWhiteSpace(address)
            ? (flow.Token, null, "Votre compte Microsoft ne donne pas d'identifiant de connexion (UPN) : demandez un code par courriel.")
            : (flow.Token, ApproverCodes.Normalize(address), null);
    }

    private Task<TokenValidationResult> ValidateAsync(string? idToken, SignInSettings settings, OpenIdConnectConfiguration configuration) =>
        new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = settings.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            // The hub's clock, not the machine's.
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } e && e > now - ClockSkew && (notBefore is not { } n || n <= now + ClockSkew);
            },
        });

    public void Remember(HttpContext http, Guid stepId, string address) =>
        Write(http, ApproverCookie, new SignedIn(stepId, address, (time.GetUtcNow() + SignedInLifetime).ToUnixTimeSeconds()), SignedInLifetime, "/validation");

    /// <summary>The address proven by sign-in for this step, if still fresh.</summary>
    public string? SignedInAddress(HttpContext http, Guid stepId) =>
        Read<SignedIn>(http, ApproverCookie) is { } signedIn && signedIn.StepId == stepId && signedIn.Expires > time.GetUtcNow().ToUnixTimeSeconds()
            ? signedIn.Address
            : null;

    public static void Forget(HttpContext http) => http.Response.Cookies.Delete(ApproverCookie, new CookieOptions { Path = "/validation" });

    /// <summary>The tenant's discovery document and keys, cached; <paramref name="refresh"/> fetches them anew (key rollover).</summary>
    private async Task<OpenIdConnectConfiguration> ConfigurationAsync(SignInSettings settings, CancellationToken cancellationToken, bool refresh = false)
    {
        var retriever = new HttpDocumentRetriever(httpClients.CreateClient(HttpClientName)) { RequireHttps = !settings.LoginBaseUrl.IsLoopback };
        var manager = _configurations.GetOrAdd(settings.MetadataAddress, address => new ConfigurationManager<OpenIdConnectConfiguration>(
            address, new OpenIdConnectConfigurationRetriever(), retriever));
        if (refresh)
        {
            // Fetched here rather than through the manager, whose refresh may run in the background; the manager is told
            // to refresh too, so the next sign-ins use the new keys.
            manager.RequestRefresh();
            return await OpenIdConnectConfigurationRetriever.GetAsync(settings.MetadataAddress, retriever, cancellationToken);
        }
        return await manager.GetConfigurationAsync(cancellationToken);
    }

    private void Write<T>(HttpContext http, string name, T value, TimeSpan lifetime, string path) =>
        http.Response.Cookies.Append(name, _protector.Protect(JsonSerializer.Serialize(value)), new CookieOptions
        {
            HttpOnly = true,
            // Lax: the way back from Entra ID is a top-level navigation from another site.
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = path,
            MaxAge = lifetime,
        });

    private T? Read<T>(HttpContext http, string name) where T : class
    {
        if (http.Request.Cookies[name] is not { } text)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(_protector.Unprotect(text));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static string Random() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}

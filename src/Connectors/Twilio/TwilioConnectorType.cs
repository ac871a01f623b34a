using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>
/// SMS through an authority's own Twilio account (Programmable Messaging REST API, spoken with <see cref="HttpClient"/>).
/// </summary>
public sealed partial class TwilioConnectorType : IConnectorType
{
    /// <summary>The type id.</summary>
    public const string Id = "twilio";

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client the channel uses when the hub provides a factory.</summary>
    public const string HttpClientName = "twilio";

    /// <summary>Setting: the account SID, <c>AC</c> + 32 hex digits (required).</summary>
    public const string AccountSidKey = "accountSid";

    /// <summary>Setting: the sender, an E.164 Twilio number or an alphanumeric sender ID of up to 11 characters.</summary>
    public const string FromKey = "from";

    /// <summary>Setting: a Messaging Service SID, <c>MG</c> + 32 hex digits; Twilio then picks the sender.</summary>
    public const string MessagingServiceSidKey = "messagingServiceSid";

    /// <summary>Setting: the API's base URL (default <see cref="DefaultBaseUrl"/>).</summary>
    public const string BaseUrlKey = "baseUrl";

    /// <summary>Secret: the account's auth token (required).</summary>
    public const string AuthTokenKey = "authToken";

    /// <summary>Twilio's REST API.</summary>
    public const string DefaultBaseUrl = "https://api.twilio.com";

    /// <summary>The path, under the hub's public base URL, Twilio posts status callbacks to.</summary>
    public const string StatusCallbackPath = "hooks/twilio/status";

    private const string EitherSenderMessage =
        "Indiquez l'expéditeur (from) ou le service de messagerie Twilio (messagingServiceSid) : l'un des deux est obligatoire.";

    // Requests without a response from Twilio after this long are abandoned (transient); the hub retries.
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    })
    {
        Timeout = DefaultTimeout,
    });

    private static readonly IReadOnlyList<ConnectorSettingDefinition> Schema =
    [
        new(AccountSidKey, "Identifiant du compte Twilio (Account SID, AC…)", Required: true),
        new(FromKey, "Expéditeur : numéro Twilio au format +33… ou nom alphanumérique (11 caractères au plus)"),
        new(MessagingServiceSidKey, "Service de messagerie Twilio (Messaging Service SID, MG…), à la place de l'expéditeur"),
        new(BaseUrlKey, "Adresse de l'API Twilio", SettingKind.Url, DefaultValue: DefaultBaseUrl),
        new(AuthTokenKey, "Jeton d'authentification du compte (Auth Token)", Required: true, Secret: true),
    ];

    /// <inheritdoc />
    public string TypeId => Id;

    /// <inheritdoc />
    public string DisplayName => "SMS (Twilio)";

    /// <inheritdoc />
    public RecipientAddress Address => RecipientAddress.Mobile;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingDefinition> Settings => Schema;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<ConnectorSettingError>();

        switch (settings.Get(AccountSidKey))
        {
            case null:
                errors.Add(new(AccountSidKey, "accountSid est obligatoire : l'identifiant du compte Twilio (AC suivi de 32 caractères hexadécimaux)."));
                break;
            case var sid when !AccountSidPattern().IsMatch(sid):
                errors.Add(new(AccountSidKey, $"accountSid doit être « AC » suivi de 32 caractères hexadécimaux (reçu : « {sid} »)."));
                break;
        }

        var from = settings.Get(FromKey);
        var messagingServiceSid = settings.Get(MessagingServiceSidKey);
        if (from is null && messagingServiceSid is null)
        {
            errors.Add(new(FromKey, EitherSenderMessage));
            errors.Add(new(MessagingServiceSidKey, EitherSenderMessage));
        }

        if (from is not null && !E164SenderPattern().IsMatch(from) && !AlphanumericSenderPattern().IsMatch(from))
        {
            errors.Add(new(FromKey,
                $"from doit être un numéro au format international E.164 (+33612345678) ou un nom d'expéditeur de 1 à 11 caractères "
                + $"(lettres sans accent, chiffres, espaces, au moins une lettre) (reçu : « {from} »)."));
        }

        if (messagingServiceSid is not null && !MessagingServiceSidPattern().IsMatch(messagingServiceSid))
        {
            errors.Add(new(MessagingServiceSidKey,
                $"messagingServiceSid doit être « MG » suivi de 32 caractères hexadécimaux (reçu : « {messagingServiceSid} »)."));
        }

        if (settings.Get(BaseUrlKey) is { } baseUrl)
        {
            if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add(new(BaseUrlKey, $"baseUrl doit être une adresse http(s) absolue, par exemple {DefaultBaseUrl} (reçu : « {baseUrl} »)."));
            }
            else if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
            {
                // The auth token travels in every request's Authorization header.
                errors.Add(new(BaseUrlKey, $"baseUrl doit être en https : le jeton d'authentification circulerait en clair (reçu : « {baseUrl} »)."));
            }
        }

        if (settings.GetSecret(AuthTokenKey) is null)
        {
            errors.Add(new(AuthTokenKey, "authToken est obligatoire : le jeton d'authentification du compte Twilio (console Twilio, « Account Info »)."));
        }

        return errors;
    }

    /// <inheritdoc />
    /// <exception cref="ConnectorConfigurationException">A setting is missing or invalid; the exception's path names it.</exception>
    public IChannel CreateChannel(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var account = Read(settings);
        if (!settings.PublicBaseUrl.IsAbsoluteUri)
        {
            throw new ConnectorConfigurationException("Hub:PublicBaseUrl", $"Hub:PublicBaseUrl must be an absolute URL for Twilio status callbacks (was '{settings.PublicBaseUrl}').");
        }

        var statusCallback = new Uri($"{settings.PublicBaseUrl.AbsoluteUri.TrimEnd('/')}/{StatusCallbackPath}", UriKind.Absolute);
        return new TwilioSmsChannel(
            account,
            statusCallback,
            HttpClientSource(services),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILogger<TwilioSmsChannel>>() ?? NullLogger<TwilioSmsChannel>.Instance);
    }

    /// <inheritdoc />
    /// <remarks>Fetches the account (<c>GET /2010-04-01/Accounts/{AccountSid}.json</c>): nothing is sent to anyone.</remarks>
    public async Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        var errors = Validate(settings);
        if (errors.Count > 0)
        {
            return new ConnectionCheck(false, "Paramètres invalides : " + string.Join(" ", errors.Select(e => e.Message).Distinct(StringComparer.Ordinal)));
        }

        var account = Read(settings);
        using var request = new HttpRequestMessage(HttpMethod.Get, account.AccountUrl);
        request.Headers.Authorization = account.Authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await HttpClientSource(services)().SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? DescribeAccount(account, body)
                : DescribeRefusal(account, TwilioApiException.FromResponse(response.StatusCode, body));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return new ConnectionCheck(false, $"Twilio injoignable à {account.BaseUrl} : {e.Message}");
        }
    }

    internal static Func<HttpClient> HttpClientSource(IServiceProvider services) =>
        services.GetService<IHttpClientFactory>() is { } factory
            ? () => factory.CreateClient(HttpClientName)
            : () => SharedClient.Value;

    private TwilioAccount Read(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var accountSid = settings.Require(AccountSidKey);
        var authToken = settings.RequireSecret(AuthTokenKey);
        var from = settings.Get(FromKey);
        var messagingServiceSid = settings.Get(MessagingServiceSidKey);
        if (from is null && messagingServiceSid is null)
        {
            var path = settings.PathOf(FromKey);
            throw new ConnectorConfigurationException(path, $"{path} or {settings.PathOf(MessagingServiceSidKey)} is required.");
        }

        if (Validate(settings) is [var first, ..])
        {
            var path = settings.PathOf(first.Key, secret: first.Key == AuthTokenKey);
            throw new ConnectorConfigurationException(path, $"{path} is invalid: {first.Message}");
        }

        return new TwilioAccount(accountSid, authToken, from, messagingServiceSid, new Uri(settings.Get(BaseUrlKey) ?? DefaultBaseUrl, UriKind.Absolute));
    }

    private static ConnectionCheck DescribeAccount(TwilioAccount account, string body)
    {
        string? name = null;
        string? status = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                name = json.RootElement.TryGetProperty("friendly_name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                status = json.RootElement.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            }
        }
        catch (JsonException)
        {
            return new ConnectionCheck(false, $"{account.BaseUrl} a répondu, mais pas comme l'API Twilio : vérifiez baseUrl.");
        }

        return status switch
        {
            "active" => new ConnectionCheck(true, $"Compte Twilio « {name ?? account.AccountSid} » joint et actif."),
            null => new ConnectionCheck(false, $"{account.BaseUrl} a répondu, mais pas comme l'API Twilio : vérifiez baseUrl."),
            _ => new ConnectionCheck(false, $"Compte Twilio « {name ?? account.AccountSid} » joint mais inutilisable (statut « {status} »)."),
        };
    }

    private static ConnectionCheck DescribeRefusal(TwilioAccount account, TwilioApiException error)
    {
        var detail = error.ErrorCode is { } code
            ? string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)error.StatusCode}, code Twilio {code}")
            : string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)error.StatusCode}");
        return error.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new ConnectionCheck(false, $"Connexion refusée : identifiants Twilio refusés ({detail}). Vérifiez accountSid et authToken."),
            HttpStatusCode.NotFound =>
                new ConnectionCheck(false, $"Compte Twilio {account.AccountSid} introuvable ({detail}) : vérifiez accountSid et baseUrl."),
            HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError =>
                new ConnectionCheck(false, $"Twilio est indisponible pour le moment ({detail}) : réessayez plus tard."),
            _ => new ConnectionCheck(false, $"Twilio a refusé la vérification du compte ({detail}) : {error.TwilioMessage}"),
        };
    }

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServiceSidPattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164SenderPattern();

    // Twilio: up to 11 characters, ASCII letters, digits and spaces, not only digits.
    [GeneratedRegex("^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")]
    private static partial Regex AlphanumericSenderPattern();
}

using System.Globalization;
using System.Security.Cryptography;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Timestamping;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>
/// An external RFC 3161 time-stamping authority chosen by the authority's DSI (ideally a qualified eIDAS one) to stamp
/// its evidence ledger instead of the hub's built-in, non-qualified TSA. It delivers nothing to members.
/// </summary>
public sealed class Rfc3161ConnectorType : IConnectorType, ITimestampAuthorityProvider
{
    /// <summary>The type id.</summary>
    public const string Id = "rfc3161";

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client used when the hub provides a factory.</summary>
    public const string HttpClientName = "rfc3161";

    /// <summary>Setting: the TSA's URL (required).</summary>
    public const string UrlKey = "url";

    /// <summary>Setting: the HTTP Basic user name.</summary>
    public const string UserNameKey = "username";

    /// <summary>Secret: the HTTP Basic password.</summary>
    public const string PasswordKey = "password";

    /// <summary>Setting: the TSA policy OID to request.</summary>
    public const string PolicyOidKey = "policyOid";

    /// <summary>Setting: the TSA's published certificate chain, PEM, signer first.</summary>
    public const string CertificateChainPemKey = "certificateChainPem";

    /// <summary>Setting: whether the TSA is a qualified eIDAS one (the DSI's declaration).</summary>
    public const string QualifiedKey = "qualified";

    // A TSA answers in well under a second; past this the hub gives up and stamps later.
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    });

    private static readonly IReadOnlyList<ConnectorSettingDefinition> Schema =
    [
        new(UrlKey, "Adresse de l'autorité d'horodatage (RFC 3161)", SettingKind.Url, Required: true),
        new(UserNameKey, "Identifiant (authentification HTTP Basic), si l'autorité en demande un"),
        new(PasswordKey, "Mot de passe (authentification HTTP Basic)", Secret: true),
        new(PolicyOidKey, "Politique d'horodatage à demander (OID), sinon celle de l'autorité"),
        new(CertificateChainPemKey, "Chaîne de certificats publiée par l'autorité (PEM, certificat d'horodatage en premier)"),
        new(QualifiedKey, "Autorité qualifiée eIDAS (déclaration de la DSI)", SettingKind.Boolean, DefaultValue: "false"),
    ];

    /// <inheritdoc />
    public string TypeId => Id;

    /// <inheritdoc />
    public string DisplayName => "Horodatage RFC 3161 (autorité externe)";

    /// <inheritdoc />
    public RecipientAddress Address => RecipientAddress.None;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingDefinition> Settings => Schema;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<ConnectorSettingError>();
        var userName = settings.Get(UserNameKey);
        var password = settings.GetSecret(PasswordKey);

        switch (settings.Get(UrlKey))
        {
            case null:
                errors.Add(new(UrlKey, "url est obligatoire : l'adresse de l'autorité d'horodatage, par exemple https://horodatage.exemple.fr/tsa."));
                break;
            case var text when !Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp):
                errors.Add(new(UrlKey, $"url doit être une adresse http(s) absolue (reçu : « {text} »)."));
                break;
            case var text when new Uri(text).UserInfo.Length > 0:
                errors.Add(new(UrlKey, "url ne doit pas contenir d'identifiant : renseignez username et password à la place."));
                break;
            case var text when password is not null && new Uri(text) is { Scheme: "http", IsLoopback: false }:
                // Basic authentication sends the password with every request.
                errors.Add(new(UrlKey, $"url doit être en https quand un mot de passe est configuré : il circulerait en clair (reçu : « {text} »)."));
                break;
        }

        if (userName is null && password is not null)
        {
            errors.Add(new(UserNameKey, "username est obligatoire quand un mot de passe est configuré."));
        }
        else if (userName is not null && password is null)
        {
            errors.Add(new(PasswordKey, "password est obligatoire quand un identifiant (username) est configuré."));
        }
        else if (userName is not null && userName.Contains(':', StringComparison.Ordinal))
        {
            errors.Add(new(UserNameKey, $"username ne peut pas contenir « : » (authentification HTTP Basic) (reçu : « {userName} »)."));
        }

        if (settings.Get(PolicyOidKey) is { } policy && !TimestampOids.IsObjectIdentifier(policy))
        {
            errors.Add(new(PolicyOidKey, $"policyOid doit être un identifiant d'objet (OID) en notation pointée, par exemple 1.2.250.1.2.3 (reçu : « {policy} »)."));
        }

        if (settings.Get(CertificateChainPemKey) is { } pem && ChainError(pem) is { } chainError)
        {
            errors.Add(new(CertificateChainPemKey, chainError));
        }

        if (settings.Get(QualifiedKey) is { } qualified && !bool.TryParse(qualified, out _))
        {
            errors.Add(new(QualifiedKey, $"qualified doit valoir true ou false (reçu : « {qualified} »)."));
        }

        return errors;
    }

    /// <inheritdoc />
    /// <returns>Always <see langword="null"/>: a TSA delivers nothing to members.</returns>
    public IChannel? CreateChannel(ConnectorSettings settings, IServiceProvider services) => null;

    /// <inheritdoc />
    /// <exception cref="ConnectorConfigurationException">A setting is missing or invalid; the exception's path names it.</exception>
    public ITimestampAuthority CreateTimestampAuthority(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new HttpTimestampAuthority(
            Read(settings),
            HttpClientSource(services),
            services.GetService<TimeProvider>(),
            services.GetService<ILogger<HttpTimestampAuthority>>());
    }

    /// <inheritdoc />
    /// <remarks>Stamps a random digest (nothing of the authority's leaves the hub) and verifies the token.</remarks>
    public async Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        var errors = Validate(settings);
        if (errors.Count > 0)
        {
            return new ConnectionCheck(false, "Paramètres invalides : " + string.Join(" ", errors.Select(e => e.Message).Distinct(StringComparer.Ordinal)));
        }

        var authority = (HttpTimestampAuthority)CreateTimestampAuthority(settings, services);
        var digest = RandomNumberGenerator.GetBytes(SHA256.HashSizeInBytes);
        try
        {
            var token = await authority.StampAsync(digest, cancellationToken);
            return new ConnectionCheck(true, Describe(authority, token));
        }
        catch (TimestampAuthorityUnavailableException e)
        {
            return new ConnectionCheck(false, $"Autorité d'horodatage injoignable ou indisponible pour le moment : réessayez plus tard (détail technique : {e.Message})");
        }
        catch (TimestampAuthorityRefusedException e)
        {
            return new ConnectionCheck(false, $"L'autorité d'horodatage a refusé la demande ou a répondu de façon inexploitable (détail technique : {e.Message})");
        }
    }

    internal static Func<HttpClient> HttpClientSource(IServiceProvider services) =>
        services.GetService<IHttpClientFactory>() is { } factory
            ? () => factory.CreateClient(HttpClientName)
            : () => SharedClient.Value;

    private HttpTimestampAuthorityOptions Read(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var url = settings.Require(UrlKey);
        if (Validate(settings) is [var first, ..])
        {
            var path = settings.PathOf(first.Key, secret: first.Key == PasswordKey);
            throw new ConnectorConfigurationException(path, $"{path} is invalid: {first.Message}");
        }

        return new HttpTimestampAuthorityOptions
        {
            Url = new Uri(url, UriKind.Absolute),
            UserName = settings.Get(UserNameKey),
            Password = settings.GetSecret(PasswordKey),
            PolicyOid = settings.Get(PolicyOidKey),
            CertificateChain = settings.Get(CertificateChainPemKey) is { } pem
                ? [.. TimestampCertificates.ReadPem(pem).Select(c => (ReadOnlyMemory<byte>)c.RawData)]
                : [],
            IsQualified = settings.Get(QualifiedKey) is { } qualified && bool.Parse(qualified),
            Timeout = DefaultTimeout,
        };
    }

    private static string? ChainError(string pem)
    {
        try
        {
            var certificates = TimestampCertificates.ReadPem(pem);
            if (certificates.Count == 0)
            {
                return "certificateChainPem doit contenir au moins un certificat au format PEM (-----BEGIN CERTIFICATE-----).";
            }

            var signer = certificates[0];
            var usages = signer.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension>();
            return usages.Any(u => u.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == TimestampOids.TimeStampingKeyUsage))
                ? null
                : $"certificateChainPem doit commencer par le certificat d'horodatage de l'autorité (usage « timeStamping ») ; le premier certificat est « {signer.Subject} ».";
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return "certificateChainPem doit contenir des certificats au format PEM (-----BEGIN CERTIFICATE-----) : un bloc est illisible.";
        }
    }

    private static string Describe(HttpTimestampAuthority authority, TimestampToken token)
    {
        var info = System.Security.Cryptography.Pkcs.Rfc3161TimestampToken.TryDecode(token.Der, out var decoded, out _) ? decoded.TokenInfo : null;
        var signer = decoded?.AsSignedCms().SignerInfos[0].Certificate?.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false);
        var checkedHow = authority.VerifiesChain
            ? "signature et chaîne de certification vérifiées avec certificateChainPem"
            : "signature vérifiée ; chaîne de certification non vérifiée (renseignez certificateChainPem pour l'ancrer)";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Jeton d'horodatage obtenu et vérifié ({checkedHow}) : émis le {token.GeneratedAt:yyyy-MM-dd HH:mm:ss} UTC par « {signer ?? "inconnu"} », politique {info?.PolicyId.Value ?? "inconnue"}.");
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.Connectors.Microsoft365;

/// <summary>How the connector proves its identity to Microsoft Graph.</summary>
internal enum GraphCredentialKind
{
    ClientSecret,
    Certificate,
    StaticToken,
}

/// <summary>The validated settings of one <c>microsoft365</c> instance.</summary>
internal sealed record Microsoft365Settings(
    string InstanceName,
    string? TenantId,
    string? ClientId,
    string OrganizerMailbox,
    Uri GraphBaseUrl,
    GraphCredentialKind CredentialKind,
    string? ClientSecret,
    byte[]? CertificatePfx,
    string? CertificatePassword,
    string? StaticToken,
    Uri? TeamsWorkflowUrl)
{
    /// <summary>The token scope for app-only access to the Graph host of <see cref="GraphBaseUrl"/>.</summary>
    public string Scope => $"{GraphBaseUrl.Scheme}://{GraphBaseUrl.Authority}/.default";

    /// <summary>The base URL without a trailing slash, as the SDK wants it.</summary>
    public string BaseUrlText => GraphBaseUrl.AbsoluteUri.TrimEnd('/');

    public X509Certificate2 LoadCertificate() =>
        X509CertificateLoader.LoadPkcs12(CertificatePfx ?? throw new InvalidOperationException("No certificate configured."), CertificatePassword);

    /// <summary>Reads settings already checked by <see cref="Microsoft365ConnectorType.Validate"/>.</summary>
    /// <exception cref="ConnectorConfigurationException">A setting is invalid; the path names it.</exception>
    public static Microsoft365Settings Read(ConnectorSettings settings, IReadOnlyList<ConnectorSettingError> errors)
    {
        if (errors is [var first, ..])
        {
            var path = settings.PathOf(first.Key, secret: Microsoft365ConnectorType.SecretKeys.Contains(first.Key));
            throw new ConnectorConfigurationException(path, $"{path} is invalid: {first.Message}");
        }

        var kind = ParseKind(settings.Get(Microsoft365ConnectorType.CredentialKindKey)) ?? GraphCredentialKind.ClientSecret;
        return new Microsoft365Settings(
            settings.InstanceName,
            settings.Get(Microsoft365ConnectorType.TenantIdKey),
            settings.Get(Microsoft365ConnectorType.ClientIdKey),
            settings.Require(Microsoft365ConnectorType.OrganizerMailboxKey),
            new Uri(settings.Get(Microsoft365ConnectorType.GraphBaseUrlKey) ?? Microsoft365ConnectorType.DefaultGraphBaseUrl, UriKind.Absolute),
            kind,
            settings.GetSecret(Microsoft365ConnectorType.ClientSecretKey),
            settings.GetSecret(Microsoft365ConnectorType.CertificatePfxKey) is { } pfx ? Convert.FromBase64String(pfx) : null,
            settings.GetSecret(Microsoft365ConnectorType.CertificatePasswordKey),
            settings.GetSecret(Microsoft365ConnectorType.StaticTokenKey),
            settings.GetSecret(Microsoft365ConnectorType.TeamsWorkflowUrlKey) is { } teams ? new Uri(teams, UriKind.Absolute) : null);
    }

    public static GraphCredentialKind? ParseKind(string? text) => text switch
    {
        null => GraphCredentialKind.ClientSecret,
        "clientSecret" => GraphCredentialKind.ClientSecret,
        "certificate" => GraphCredentialKind.Certificate,
        "staticToken" => GraphCredentialKind.StaticToken,
        _ => null,
    };

    /// <summary>
    /// Whether <paramref name="host"/> is one of Microsoft's real hosts (Graph in every national cloud, Outlook, Office):
    /// a static token must never be sent there.
    /// </summary>
    public static bool IsMicrosoftHost(string host)
    {
        string[] suffixes =
        [
            "microsoft.com", "microsoft.us", "microsoft.de", "microsoft-ppe.com", "chinacloudapi.cn",
            "office.com", "office365.com", "outlook.com", "office.net", "microsoftonline.com", "windows.net", "azure.com",
        ];
        host = host.TrimEnd('.');
        return suffixes.Any(s => host.Equals(s, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether the PFX can be opened with the password; the message (French) says why not.</summary>
    public static string? CertificateError(string base64, string? password)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return "certificatePfx doit être le fichier PFX (PKCS\u00A0#12) encodé en base64.";
        }

        try
        {
            using var certificate = X509CertificateLoader.LoadPkcs12(bytes, password);
            return certificate.HasPrivateKey ? null : "certificatePfx ne contient pas de clé privée\u00A0: exportez le certificat avec sa clé.";
        }
        catch (CryptographicException)
        {
            return "certificatePfx ne peut pas être ouvert\u00A0: fichier PFX invalide ou mot de passe (certificatePassword) incorrect.";
        }
    }
}

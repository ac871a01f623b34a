using System.Globalization;
using System.Net.Mail;
using IntegrationHub.Plugins.Calendars;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Graph.Models.ODataErrors;

namespace IntegrationHub.Connectors.Microsoft365;

/// <summary>
/// Microsoft 365 of an authority (app-only Microsoft Graph): puts each session in the organiser mailbox's calendar with
/// the convened members as attendees and reads their answers back. It creates no per-member channel.
/// </summary>
public sealed class Microsoft365ConnectorType : IConnectorType, ICalendarPublisherProvider
{
    /// <summary>The type id.</summary>
    public const string Id = "microsoft365";

    /// <summary>Setting: the Entra ID tenant (GUID or verified domain).</summary>
    public const string TenantIdKey = "tenantId";

    /// <summary>Setting: the application (client) id registered in Entra ID.</summary>
    public const string ClientIdKey = "clientId";

    /// <summary>Setting: the mailbox whose calendar organises the sessions (e.g. the secretariat's shared mailbox).</summary>
    public const string OrganizerMailboxKey = "organizerMailbox";

    /// <summary>Setting: Graph's base URL (default <see cref="DefaultGraphBaseUrl"/>).</summary>
    public const string GraphBaseUrlKey = "graphBaseUrl";

    /// <summary>Setting: <c>clientSecret</c>, <c>certificate</c> or <c>staticToken</c> (stand-in environments only).</summary>
    public const string CredentialKindKey = "credentialKind";

    /// <summary>
    /// Secret: the Teams Workflows webhook URL the hub posts validation cards to. A secret, not a setting: its <c>sig=</c>
    /// parameter is a bearer credential (anyone holding the URL can post in the channel), so it is encrypted at rest and
    /// never returned by the API nor logged.
    /// </summary>
    public const string TeamsWorkflowUrlKey = "teamsWorkflowUrl";

    /// <summary>
    /// Setting: <c>true</c> to let validation-circuit approvers prove who they are by signing in with their Entra ID account
    /// (OpenID Connect, the same application: <see cref="TenantIdKey"/>, <see cref="ClientIdKey"/>, <see cref="ClientSecretKey"/>,
    /// with the hub's <c>/validation/signin-callback</c> as a redirect URI). Default <c>false</c>: a one-time code by email.
    /// </summary>
    public const string ApproverSignInKey = "approverSignIn";

    /// <summary>Setting: the Entra ID sign-in host (default <see cref="DefaultLoginBaseUrl"/>; national clouds or a stand-in).</summary>
    public const string LoginBaseUrlKey = "loginBaseUrl";

    /// <summary>Entra ID, public cloud.</summary>
    public const string DefaultLoginBaseUrl = "https://login.microsoftonline.com";

    /// <summary>Secret: the application's client secret.</summary>
    public const string ClientSecretKey = "clientSecret";

    /// <summary>Secret: the application's certificate with its private key, PFX encoded in base64.</summary>
    public const string CertificatePfxKey = "certificatePfx";

    /// <summary>Secret: the PFX password.</summary>
    public const string CertificatePasswordKey = "certificatePassword";

    /// <summary>Secret: a bearer token sent as is (stand-in environments only; refused for Microsoft's hosts).</summary>
    public const string StaticTokenKey = "staticToken";

    /// <summary>Microsoft Graph v1.0.</summary>
    public const string DefaultGraphBaseUrl = "https://graph.microsoft.com/v1.0";

    internal static readonly IReadOnlySet<string> SecretKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        ClientSecretKey, CertificatePfxKey, CertificatePasswordKey, StaticTokenKey, TeamsWorkflowUrlKey,
    };

    private static readonly IReadOnlyList<ConnectorSettingDefinition> Schema =
    [
        new(TenantIdKey, "Identifiant du locataire Microsoft Entra ID (tenant, GUID ou domaine)"),
        new(ClientIdKey, "Identifiant de l'application inscrite dans Entra ID (client ID)"),
        new(OrganizerMailboxKey, "Boîte aux lettres organisatrice des séances (par exemple celle du secrétariat)", SettingKind.Email, Required: true),
        new(GraphBaseUrlKey, "Adresse de Microsoft Graph", SettingKind.Url, DefaultValue: DefaultGraphBaseUrl),
        new(CredentialKindKey, "Mode d'authentification de l'application", SettingKind.Choice, DefaultValue: "clientSecret",
            AllowedValues: ["clientSecret", "certificate", "staticToken"]),
        new(ApproverSignInKey, "Les valideurs des circuits se connectent avec leur compte Microsoft\u00A0365 (sinon, code par courriel)", SettingKind.Boolean, DefaultValue: "false"),
        new(LoginBaseUrlKey, "Adresse de connexion Microsoft Entra ID", SettingKind.Url, DefaultValue: DefaultLoginBaseUrl),
        new(ClientSecretKey, "Secret client de l'application", Secret: true),
        new(CertificatePfxKey, "Certificat de l'application avec sa clé privée (PFX en base64)", Secret: true),
        new(CertificatePasswordKey, "Mot de passe du certificat PFX", Secret: true),
        new(StaticTokenKey, "Jeton d'accès fixe (environnements de test uniquement)", Secret: true),
        new(TeamsWorkflowUrlKey, "Adresse du flux Teams Workflows qui publie les cartes de validation (contient sa signature sig=)", SettingKind.Url, Secret: true),
    ];

    /// <inheritdoc />
    public string TypeId => Id;

    /// <inheritdoc />
    public string DisplayName => "Microsoft\u00A0365 (agendas Outlook)";

    /// <inheritdoc />
    public RecipientAddress Address => RecipientAddress.M365Upn;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingDefinition> Settings => Schema;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<ConnectorSettingError>();
        var kindText = settings.Get(CredentialKindKey);
        var kind = Microsoft365Settings.ParseKind(kindText);
        if (kind is null)
        {
            errors.Add(new(CredentialKindKey, $"credentialKind doit valoir clientSecret, certificate ou staticToken (reçu\u00A0: «\u00A0{kindText}\u00A0»)."));
        }

        var needsApplication = kind is GraphCredentialKind.ClientSecret or GraphCredentialKind.Certificate;
        switch (settings.Get(TenantIdKey))
        {
            case null when needsApplication:
                errors.Add(new(TenantIdKey, "tenantId est obligatoire\u00A0: l'identifiant du locataire Microsoft Entra ID (GUID ou domaine, par exemple mairie.onmicrosoft.com)."));
                break;
            case { } tenant when !Guid.TryParse(tenant, out _) && Uri.CheckHostName(tenant) != UriHostNameType.Dns:
                errors.Add(new(TenantIdKey, $"tenantId doit être un GUID ou un nom de domaine (reçu\u00A0: «\u00A0{tenant}\u00A0»)."));
                break;
        }

        switch (settings.Get(ClientIdKey))
        {
            case null when needsApplication:
                errors.Add(new(ClientIdKey, "clientId est obligatoire\u00A0: l'identifiant (GUID) de l'application inscrite dans Entra ID."));
                break;
            case { } client when !Guid.TryParse(client, out _):
                errors.Add(new(ClientIdKey, $"clientId doit être un GUID, l'identifiant d'application affiché par Entra ID (reçu\u00A0: «\u00A0{client}\u00A0»)."));
                break;
        }

        switch (settings.Get(OrganizerMailboxKey))
        {
            case null:
                errors.Add(new(OrganizerMailboxKey, "organizerMailbox est obligatoire\u00A0: l'adresse de la boîte qui organise les séances (par exemple secretariat@mairie.fr)."));
                break;
            case var mailbox when !MailAddress.TryCreate(mailbox, out var parsed) || !string.Equals(parsed.Address, mailbox, StringComparison.OrdinalIgnoreCase):
                errors.Add(new(OrganizerMailboxKey, $"organizerMailbox doit être une adresse électronique (reçu\u00A0: «\u00A0{mailbox}\u00A0»)."));
                break;
        }

        var baseUrlText = settings.Get(GraphBaseUrlKey) ?? DefaultGraphBaseUrl;
        Uri? baseUrl = null;
        if (!Uri.TryCreate(baseUrlText, UriKind.Absolute, out baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttps && baseUrl.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add(new(GraphBaseUrlKey, $"graphBaseUrl doit être une adresse http(s) absolue, par exemple {DefaultGraphBaseUrl} (reçu\u00A0: «\u00A0{baseUrlText}\u00A0»)."));
            baseUrl = null;
        }
        else if (baseUrl.Scheme != Uri.UriSchemeHttps && !baseUrl.IsLoopback)
        {
            errors.Add(new(GraphBaseUrlKey, $"graphBaseUrl doit être en https\u00A0: le jeton d'accès circulerait en clair (reçu\u00A0: «\u00A0{baseUrlText}\u00A0»)."));
        }

        switch (kind)
        {
            case GraphCredentialKind.ClientSecret when settings.GetSecret(ClientSecretKey) is null:
                errors.Add(new(ClientSecretKey, "clientSecret est obligatoire avec credentialKind\u00A0= clientSecret\u00A0: le secret client créé pour l'application dans Entra ID."));
                break;
            case GraphCredentialKind.Certificate when settings.GetSecret(CertificatePfxKey) is null:
                errors.Add(new(CertificatePfxKey, "certificatePfx est obligatoire avec credentialKind\u00A0= certificate\u00A0: le certificat de l'application avec sa clé privée, au format PFX encodé en base64."));
                break;
            case GraphCredentialKind.Certificate when Microsoft365Settings.CertificateError(settings.GetSecret(CertificatePfxKey)!, settings.GetSecret(CertificatePasswordKey)) is { } certificateError:
                errors.Add(new(CertificatePfxKey, certificateError));
                break;
            case GraphCredentialKind.StaticToken when settings.GetSecret(StaticTokenKey) is null:
                errors.Add(new(StaticTokenKey, "staticToken est obligatoire avec credentialKind\u00A0= staticToken\u00A0: le jeton attendu par le serveur de test."));
                break;
            case GraphCredentialKind.StaticToken when baseUrl is not null && Microsoft365Settings.IsMicrosoftHost(baseUrl.Host):
                errors.Add(new(CredentialKindKey,
                    $"credentialKind\u00A0= staticToken est réservé aux serveurs de test\u00A0: il est refusé pour Microsoft Graph ({baseUrl.Host}). Utilisez clientSecret ou certificate."));
                break;
        }

        if (settings.GetSecret(TeamsWorkflowUrlKey) is { } teams
            && (!Uri.TryCreate(teams, UriKind.Absolute, out var teamsUrl) || (teamsUrl.Scheme != Uri.UriSchemeHttps && !teamsUrl.IsLoopback)))
        {
            // The value received is not repeated: it may carry the flow's signature.
            errors.Add(new(TeamsWorkflowUrlKey, "teamsWorkflowUrl doit être une adresse https absolue, celle du flux Teams Workflows (déclencheur «\u00A0When a Teams webhook request is received\u00A0»)."));
        }

        if (string.Equals(settings.Get(ApproverSignInKey), "true", StringComparison.OrdinalIgnoreCase))
        {
            if (settings.Get(TenantIdKey) is null || settings.Get(ClientIdKey) is null || settings.GetSecret(ClientSecretKey) is null)
            {
                errors.Add(new(ApproverSignInKey, "approverSignIn\u00A0= true demande tenantId, clientId et clientSecret\u00A0: la connexion des valideurs passe par l'application inscrite dans Entra ID."));
            }
            var loginText = settings.Get(LoginBaseUrlKey) ?? DefaultLoginBaseUrl;
            if (!Uri.TryCreate(loginText, UriKind.Absolute, out var login) || (login.Scheme != Uri.UriSchemeHttps && !login.IsLoopback))
            {
                errors.Add(new(LoginBaseUrlKey, $"loginBaseUrl doit être une adresse https absolue, par exemple {DefaultLoginBaseUrl} (reçu\u00A0: «\u00A0{loginText}\u00A0»)."));
            }
        }

        return errors;
    }

    /// <inheritdoc />
    /// <returns>Always <see langword="null"/>: the hub publishes one calendar event per session through <see cref="CreateCalendarPublisher"/>.</returns>
    public IChannel? CreateChannel(ConnectorSettings settings, IServiceProvider services) => null;

    /// <inheritdoc />
    /// <exception cref="ConnectorConfigurationException">A setting is missing or invalid; the exception's path names it.</exception>
    public ICalendarPublisher CreateCalendarPublisher(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        var options = Microsoft365Settings.Read(settings, Validate(settings));
        return new GraphCalendarPublisher(
            options,
            GraphClients.Create(options),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILogger<GraphCalendarPublisher>>() ?? NullLogger<GraphCalendarPublisher>.Instance);
    }

    /// <inheritdoc />
    /// <remarks>Reads the organiser mailbox's calendar (<c>GET /users/{mailbox}/calendar</c>): nothing is sent to anyone.</remarks>
    public async Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        var errors = Validate(settings);
        if (errors.Count > 0)
        {
            return new ConnectionCheck(false, "Paramètres invalides\u00A0: " + string.Join(" ", errors.Select(e => e.Message).Distinct(StringComparer.Ordinal)));
        }

        var options = Microsoft365Settings.Read(settings, errors);
        var graph = GraphClients.Create(options);
        try
        {
            var calendar = await graph.Users[options.OrganizerMailbox].Calendar.GetAsync(
                rc =>
                {
                    rc.QueryParameters.Select = ["name", "owner", "canEdit"];
                    GraphClients.AddPreferHeaders(rc.Headers);
                },
                cancellationToken);
            var name = calendar?.Name ?? "Calendrier";
            var canEdit = calendar?.CanEdit is false ? " (attention\u00A0: Graph indique que l'application ne peut pas y écrire)" : string.Empty;
            return new ConnectionCheck(true, string.Create(CultureInfo.InvariantCulture,
                $"Agenda «\u00A0{name}\u00A0» de {options.OrganizerMailbox} lu sur {options.GraphBaseUrl.Host}{canEdit}."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ODataError e)
        {
            return new ConnectionCheck(false, e.ResponseStatusCode switch
            {
                401 => $"Microsoft Graph a refusé l'authentification de l'application (401\u00A0: {e.Error?.Code}). Vérifiez tenantId, clientId et le secret ou le certificat.",
                403 => $"L'application n'a pas accès à l'agenda de {options.OrganizerMailbox} (403\u00A0: {e.Error?.Code}). Accordez la permission Calendars.ReadWrite (application) et autorisez cette boîte dans la stratégie d'accès Exchange.",
                404 => $"Boîte aux lettres {options.OrganizerMailbox} introuvable ou sans agenda Exchange Online (404\u00A0: {e.Error?.Code}).",
                _ => string.Create(CultureInfo.InvariantCulture, $"Microsoft Graph a répondu {e.ResponseStatusCode} ({e.Error?.Code}\u00A0: {e.Error?.Message})."),
            });
        }
        catch (Exception e) when (GraphFailures.IsUnreachable(e))
        {
            return new ConnectionCheck(false, $"Microsoft Graph injoignable à {options.GraphBaseUrl}\u00A0: {e.Message}");
        }
        catch (Azure.Identity.AuthenticationFailedException e)
        {
            return new ConnectionCheck(false, $"Microsoft Entra ID a refusé les identifiants de l'application\u00A0: {e.Message}");
        }
    }
}

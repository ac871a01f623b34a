using System.Globalization;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// The « Courriel (SMTP / IMAP) » connector type: an authority's own SMTP relay for convocations, optionally its IMAP
/// mailbox for bounces and calendar answers, and optionally DKIM signing.
/// </summary>
public sealed class EmailConnectorType : IConnectorType, IReplyMailboxProvider
{
    /// <summary>The type id, <c>email</c>.</summary>
    public const string Id = "email";

    internal const string Host = "host";
    internal const string Port = "port";
    internal const string Security = "security";
    internal const string Username = "username";
    internal const string Password = "password";
    internal const string SenderAddress = "senderAddress";
    internal const string SenderName = "senderName";
    internal const string ImapHost = "imapHost";
    internal const string ImapPort = "imapPort";
    internal const string ImapSecurityKey = "imapSecurity";
    internal const string ImapUsername = "imapUsername";
    internal const string ImapPassword = "imapPassword";
    internal const string DkimDomain = "dkimDomain";
    internal const string DkimSelector = "dkimSelector";
    internal const string DkimPrivateKeyPem = "dkimPrivateKeyPem";

    internal const string SecurityNone = "none";
    internal const string SecurityStartTls = "starttls";
    internal const string SecurityTls = "tls";
    internal const string DefaultSenderName = "Secrétariat des assemblées";

    private static readonly string[] SecurityChoices = [SecurityNone, SecurityStartTls, SecurityTls];
    private static readonly string[] ImapKeys = [ImapHost, ImapPort, ImapSecurityKey, ImapUsername, ImapPassword];
    private static readonly string[] ImapRequiredKeys = [ImapHost, ImapUsername, ImapPassword];
    private static readonly string[] DkimKeys = [DkimDomain, DkimSelector, DkimPrivateKeyPem];

    private static readonly ConnectorSettingDefinition[] Definitions =
    [
        new(Host, "Serveur SMTP", SettingKind.Text, Required: true),
        new(Port, "Port SMTP (25 sans chiffrement, 587 en STARTTLS, 465 en TLS si vide)", SettingKind.WholeNumber),
        new(Security, "Sécurité SMTP : none, starttls ou tls", SettingKind.Choice, DefaultValue: SecurityStartTls, AllowedValues: SecurityChoices),
        new(Username, "Identifiant SMTP"),
        new(Password, "Mot de passe SMTP", Secret: true),
        new(SenderAddress, "Adresse d'expédition", SettingKind.Email, Required: true),
        new(SenderName, "Nom de l'expéditeur", DefaultValue: DefaultSenderName),
        new(ImapHost, "Serveur IMAP de la boîte des retours (avis de non-remise, réponses d'agenda)"),
        new(ImapPort, "Port IMAP (143, ou 993 en TLS, si vide)", SettingKind.WholeNumber),
        new(ImapSecurityKey, "Sécurité IMAP : none, starttls ou tls", SettingKind.Choice, DefaultValue: SecurityStartTls, AllowedValues: SecurityChoices),
        new(ImapUsername, "Identifiant IMAP"),
        new(ImapPassword, "Mot de passe IMAP", Secret: true),
        new(DkimDomain, "Domaine de signature DKIM (d=)"),
        new(DkimSelector, "Sélecteur DKIM (s=)"),
        new(DkimPrivateKeyPem, "Clé privée DKIM (RSA, format PEM)", Secret: true),
    ];

    /// <inheritdoc />
    public string TypeId => Id;

    /// <inheritdoc />
    public string DisplayName => "Courriel (SMTP / IMAP)";

    /// <inheritdoc />
    public RecipientAddress Address => RecipientAddress.Email;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingDefinition> Settings => Definitions;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ValidateSettings(settings);
    }

    /// <inheritdoc />
    /// <remarks>The channel holds pooled SMTP connections: dispose it (it is <see cref="IAsyncDisposable"/>) when it is replaced.</remarks>
    public IChannel? CreateChannel(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        ThrowIfInvalid(settings);
        return new EmailChannel(
            Options.Create(ToEmailOptions(settings)),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            Logger<EmailChannel>(services));
    }

    /// <inheritdoc />
    /// <returns>An <see cref="ImapReplyMailbox"/> when <c>imapHost</c> is set, otherwise <see langword="null"/>.</returns>
    /// <exception cref="ConnectorConfigurationException">The IMAP settings are incomplete or invalid.</exception>
    public IReplyMailbox? CreateMailbox(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        if (settings.Get(ImapHost) is null)
        {
            return null;
        }

        ThrowIfInvalid(settings);
        return new ImapReplyMailbox(
            ToImapOptions(settings),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            Logger<ImapReplyMailbox>(services));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Connects to the SMTP server (EHLO, STARTTLS or TLS as configured), authenticates when credentials are set,
    /// reports what the server offers, then, when IMAP is configured, logs in and opens INBOX. Nothing is sent.
    /// </remarks>
    public async Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        var errors = ValidateSettings(settings);
        if (errors.Count > 0)
        {
            return new ConnectionCheck(false, "Paramètres invalides : " + string.Join(" ; ", errors.Select(e => $"{e.Key} : {e.Message}")));
        }

        string[] secrets = [.. new[] { settings.GetSecret(Password), settings.GetSecret(ImapPassword) }.OfType<string>()];
        var smtp = await EmailConnectionCheck.CheckSmtpAsync(ToEmailOptions(settings), cancellationToken);
        if (!smtp.Ok || settings.Get(ImapHost) is null)
        {
            return EmailConnectionCheck.Redact(smtp, secrets);
        }

        var imapOptions = ToImapOptions(settings);
        var mailbox = new ImapReplyMailbox(imapOptions, services.GetService<TimeProvider>() ?? TimeProvider.System, Logger<ImapReplyMailbox>(services));
        var imap = await EmailConnectionCheck.CheckImapAsync(mailbox, imapOptions, cancellationToken);
        return EmailConnectionCheck.Redact(new ConnectionCheck(imap.Ok, smtp.Detail + " ; " + imap.Detail), secrets);
    }

    private static List<ConnectorSettingError> ValidateSettings(ConnectorSettings settings)
    {
        var errors = new List<ConnectorSettingError>();

        ValidateHost(settings, Host, required: true, errors);
        ValidateChoice(settings, Security, errors);
        ValidatePort(settings, Port, errors);
        if (settings.Get(Username) is not null && settings.GetSecret(Password) is null)
        {
            errors.Add(new(Password, "Le mot de passe SMTP est obligatoire quand un identifiant est renseigné."));
        }
        else if (settings.Get(Username) is null && settings.GetSecret(Password) is not null)
        {
            errors.Add(new(Username, "L'identifiant SMTP est obligatoire quand un mot de passe est renseigné."));
        }

        if (settings.Get(SenderAddress) is not { } sender)
        {
            errors.Add(new(SenderAddress, "L'adresse d'expédition est obligatoire."));
        }
        else if (!EmailAddresses.TryParse(sender, out _))
        {
            errors.Add(new(SenderAddress, $"« {sender} » n'est pas une adresse électronique valide."));
        }

        if (settings.Get(SenderName) is { } name && name.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            errors.Add(new(SenderName, "Le nom de l'expéditeur doit tenir sur une ligne."));
        }

        if (ImapKeys.Any(key => IsSet(settings, key)))
        {
            foreach (var key in ImapRequiredKeys.Where(key => !IsSet(settings, key)))
            {
                errors.Add(new(key, "Obligatoire dès qu'un paramètre IMAP est renseigné (imapHost, imapUsername et imapPassword vont ensemble)."));
            }

            ValidateHost(settings, ImapHost, required: false, errors);
            ValidateChoice(settings, ImapSecurityKey, errors);
            ValidatePort(settings, ImapPort, errors);
        }

        if (DkimKeys.Any(key => IsSet(settings, key)))
        {
            foreach (var key in DkimKeys.Where(key => !IsSet(settings, key)))
            {
                errors.Add(new(key, "Obligatoire dès qu'un paramètre DKIM est renseigné (dkimDomain, dkimSelector et dkimPrivateKeyPem vont ensemble)."));
            }

            if (settings.Get(DkimDomain) is { } domain && !DkimSigning.IsValidDomain(domain))
            {
                errors.Add(new(DkimDomain, $"« {domain} » n'est pas un nom de domaine valide."));
            }

            if (settings.Get(DkimSelector) is { } selector && !DkimSigning.IsValidSelector(selector))
            {
                errors.Add(new(DkimSelector, $"« {selector} » n'est pas un sélecteur DKIM valide (lettres, chiffres, « - » et « . »)."));
            }

            if (settings.GetSecret(DkimPrivateKeyPem) is { } pem && !DkimSigning.CanLoadPrivateKey(pem))
            {
                errors.Add(new(DkimPrivateKeyPem, string.Create(CultureInfo.InvariantCulture,
                    $"La clé privée DKIM doit être une clé RSA privée au format PEM d'au moins {DkimSigning.MinimumKeyBits} bits.")));
            }
        }

        return errors;
    }

    internal static EmailOptions ToEmailOptions(ConnectorSettings settings)
    {
        var security = ParseSmtpSecurity(settings.Get(Security));
        return new EmailOptions
        {
            Host = settings.Require(Host),
            Port = settings.GetInt32(Port, security switch
            {
                SmtpSecurity.None => 25,
                SmtpSecurity.SslOnConnect => 465,
                _ => 587,
            }),
            Security = security,
            UserName = settings.Get(Username),
            Password = settings.GetSecret(Password),
            FromAddress = settings.Require(SenderAddress),
            FromName = settings.Get(SenderName) ?? DefaultSenderName,
            DkimDomain = settings.Get(DkimDomain),
            DkimSelector = settings.Get(DkimSelector),
            DkimPrivateKeyPem = settings.GetSecret(DkimPrivateKeyPem),
        };
    }

    internal static ImapMailboxOptions ToImapOptions(ConnectorSettings settings)
    {
        var security = settings.Get(ImapSecurityKey)?.ToLowerInvariant() switch
        {
            SecurityNone => ImapSecurity.None,
            SecurityTls => ImapSecurity.SslOnConnect,
            _ => ImapSecurity.StartTls,
        };
        return new ImapMailboxOptions
        {
            Host = settings.Require(ImapHost),
            Port = settings.GetInt32(ImapPort, 0),
            Security = security,
            UserName = settings.Require(ImapUsername),
            Password = settings.RequireSecret(ImapPassword),
        };
    }

    private static void ThrowIfInvalid(ConnectorSettings settings)
    {
        // Missing required settings first, with the contract's own exception and path.
        foreach (var definition in Definitions.Where(d => d.Required))
        {
            _ = definition.Secret ? settings.RequireSecret(definition.Key) : settings.Require(definition.Key);
        }

        if (ValidateSettings(settings) is [var first, ..])
        {
            var path = settings.PathOf(first.Key, IsSecret(first.Key));
            throw new ConnectorConfigurationException(path, $"{path} : {first.Message}");
        }
    }

    private static SmtpSecurity ParseSmtpSecurity(string? value) => value?.ToLowerInvariant() switch
    {
        SecurityNone => SmtpSecurity.None,
        SecurityTls => SmtpSecurity.SslOnConnect,
        _ => SmtpSecurity.StartTls,
    };

    private static bool IsSecret(string key) => Definitions.Any(d => d.Key == key && d.Secret);

    private static bool IsSet(ConnectorSettings settings, string key) =>
        (IsSecret(key) ? settings.GetSecret(key) : settings.Get(key)) is not null;

    private static void ValidateHost(ConnectorSettings settings, string key, bool required, List<ConnectorSettingError> errors)
    {
        var host = settings.Get(key);
        if (host is null)
        {
            if (required)
            {
                errors.Add(new(key, "Le serveur SMTP est obligatoire."));
            }
        }
        else if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            errors.Add(new(key, $"« {host} » n'est pas un nom de serveur ou une adresse IP valide."));
        }
    }

    private static void ValidateChoice(ConnectorSettings settings, string key, List<ConnectorSettingError> errors)
    {
        if (settings.Get(key) is { } value && !SecurityChoices.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new(key, $"« {value} » n'est pas reconnu : indiquez none, starttls ou tls."));
        }
    }

    private static void ValidatePort(ConnectorSettings settings, string key, List<ConnectorSettingError> errors)
    {
        if (settings.Get(key) is { } value
            && !(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535))
        {
            errors.Add(new(key, $"Le port doit être un nombre entier entre 1 et 65535 (« {value} » reçu)."));
        }
    }

    private static ILogger<T> Logger<T>(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger<T>() ?? NullLogger<T>.Instance;
}

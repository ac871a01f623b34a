using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Hosting;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Conformance;
using IntegrationHub.TestSupport.Imap;
using IntegrationHub.TestSupport.Smtp;

namespace IntegrationHub.Connectors.Email.Tests;

public sealed class EmailConnectorTypeTests
{
    private readonly EmailConnectorType _type = new();

    [Fact]
    public void Plugin_Register_AddsTheEmailTypeOnce()
    {
        var hub = new ConnectorConformanceTests.RecordingHubBuilder();

        new EmailPlugin().Register(hub);

        var type = Assert.IsType<EmailConnectorType>(Assert.Single(hub.Types));
        Assert.Equal("email", new EmailPlugin().Name);
        Assert.Equal("email", type.TypeId);
        Assert.Equal("Courriel (SMTP / IMAP)", type.DisplayName);
        Assert.Equal(RecipientAddress.Email, type.Address);
        Assert.IsAssignableFrom<IntegrationHub.Plugins.Mailboxes.IReplyMailboxProvider>(type);
    }

    [Fact]
    public void Settings_AreExactlyTheDocumentedKeys()
    {
        var settings = _type.Settings.ToDictionary(s => s.Key);

        Assert.Equal(
            ["host", "port", "security", "username", "senderAddress", "senderName", "imapHost", "imapPort", "imapSecurity", "imapUsername", "dkimDomain", "dkimSelector"],
            _type.Settings.Where(s => !s.Secret).Select(s => s.Key).ToArray());
        Assert.Equal(["password", "imapPassword", "dkimPrivateKeyPem"], _type.Settings.Where(s => s.Secret).Select(s => s.Key).ToArray());
        Assert.Equal(["host", "senderAddress"], _type.Settings.Where(s => s.Required).Select(s => s.Key).ToArray());
        Assert.Equal(SettingKind.WholeNumber, settings["port"].Kind);
        Assert.Equal(SettingKind.WholeNumber, settings["imapPort"].Kind);
        Assert.Equal(SettingKind.Email, settings["senderAddress"].Kind);
        foreach (var choice in new[] { "security", "imapSecurity" })
        {
            Assert.Equal(SettingKind.Choice, settings[choice].Kind);
            Assert.Equal(["none", "starttls", "tls"], settings[choice].AllowedValues!.ToArray());
            Assert.Equal("starttls", settings[choice].DefaultValue);
        }
    }

    [Theory]
    [InlineData("port", "0", "port", "Le port doit être un nombre entier entre 1 et 65535 (« 0 » reçu).")]
    [InlineData("port", "70000", "port", "Le port doit être un nombre entier entre 1 et 65535 (« 70000 » reçu).")]
    [InlineData("port", "vingt-cinq", "port", "Le port doit être un nombre entier entre 1 et 65535 (« vingt-cinq » reçu).")]
    [InlineData("security", "ssl", "security", "« ssl » n'est pas reconnu : indiquez none, starttls ou tls.")]
    [InlineData("senderAddress", "secretariat@", "senderAddress", "« secretariat@ » n'est pas une adresse électronique valide.")]
    [InlineData("host", "smtp mairie.fr", "host", "« smtp mairie.fr » n'est pas un nom de serveur ou une adresse IP valide.")]
    [InlineData("username", "secretariat", "password", "Le mot de passe SMTP est obligatoire quand un identifiant est renseigné.")]
    public void Validate_BadValue_NamesTheKeyInFrench(string key, string value, string expectedKey, string expectedMessage)
    {
        var settings = EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587).With(key, value));

        var error = Assert.Single(_type.Validate(settings));

        Assert.Equal(expectedKey, error.Key);
        Assert.Equal(expectedMessage, error.Message);
    }

    [Fact]
    public void Validate_PasswordWithoutUsername_NamesUsername()
    {
        var settings = EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587), new Dictionary<string, string> { ["password"] = "secret" });

        Assert.Equal("username", Assert.Single(_type.Validate(settings)).Key);
    }

    [Fact]
    public void Validate_ImapPartlyConfigured_NamesEachMissingImapSetting()
    {
        var settings = EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587).With("imapHost", "imap.mairie-exemple.fr"));

        var errors = _type.Validate(settings);

        Assert.Equal(["imapUsername", "imapPassword"], errors.Select(e => e.Key).ToArray());
        Assert.All(errors, e => Assert.StartsWith("Obligatoire dès qu'un paramètre IMAP est renseigné", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ImapPortAlone_NamesHostUserAndPasswordAndTheBadPort()
    {
        var settings = EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587).With("imapPort", "99999").With("imapSecurity", "ssl"));

        Assert.Equal(["imapHost", "imapUsername", "imapPassword", "imapSecurity", "imapPort"], _type.Validate(settings).Select(e => e.Key).ToArray());
    }

    [Fact]
    public void Validate_DkimPartlyConfiguredOrBadKey_NamesTheKeysWithoutTheSecret()
    {
        var settings = EmailSettings.Create(
            EmailSettings.Smtp("smtp.mairie-exemple.fr", 587).With("dkimDomain", "mairie-exemple.fr"),
            new Dictionary<string, string> { ["dkimPrivateKeyPem"] = FakeSecrets.PrivateKeyPem("SECRETCASSE") });

        var errors = _type.Validate(settings);

        Assert.Equal(["dkimSelector", "dkimPrivateKeyPem"], errors.Select(e => e.Key).ToArray());
        Assert.All(errors, e => Assert.DoesNotContain("SECRETCASSE", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CompleteSettings_ReportsNothing()
    {
        using var key = RSA.Create(2048);
        var values = EmailSettings.Smtp("smtp.mairie-exemple.fr", 587)
            .With("security", "STARTTLS")
            .With("username", "secretariat")
            .With("imapHost", "imap.mairie-exemple.fr")
            .With("imapSecurity", "tls")
            .With("imapUsername", "retours")
            .With("dkimDomain", "mairie-exemple.fr")
            .With("dkimSelector", "conv2026");
        var secrets = new Dictionary<string, string>
        {
            ["password"] = "p1",
            ["imapPassword"] = "p2",
            ["dkimPrivateKeyPem"] = key.ExportRSAPrivateKeyPem(),
        };

        Assert.Empty(_type.Validate(EmailSettings.Create(values, secrets)));
    }

    [Theory]
    [InlineData(null, null, SmtpSecurity.StartTls, 587)]
    [InlineData("none", null, SmtpSecurity.None, 25)]
    [InlineData("starttls", null, SmtpSecurity.StartTls, 587)]
    [InlineData("tls", null, SmtpSecurity.SslOnConnect, 465)]
    [InlineData("tls", "2465", SmtpSecurity.SslOnConnect, 2465)]
    public void ToEmailOptions_PortDefaultsFollowTheSecurity(string? security, string? port, SmtpSecurity expectedSecurity, int expectedPort)
    {
        var values = new Dictionary<string, string> { ["host"] = "smtp.mairie-exemple.fr", ["senderAddress"] = TestMessages.FromAddress };
        if (security is not null)
        {
            values["security"] = security;
        }

        if (port is not null)
        {
            values["port"] = port;
        }

        var options = EmailConnectorType.ToEmailOptions(EmailSettings.Create(values));

        Assert.Equal(expectedSecurity, options.Security);
        Assert.Equal(expectedPort, options.Port);
        Assert.Equal("Secrétariat des assemblées", options.FromName);
    }

    [Fact]
    public void CreateChannel_InvalidValue_ThrowsWithThePathOfTheSetting()
    {
        var settings = EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587).With("username", "secretariat"));

        var error = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateChannel(settings, EmailSettings.Services()));

        Assert.Equal("connectors:email:secrets:password", error.Path);
        Assert.StartsWith("connectors:email:secrets:password : ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateChannel_ValidSettings_SendsAsTheSettingsSay()
    {
        using var server = new SmtpSinkServer();
        var settings = EmailSettings.Create(EmailSettings.Smtp(server.Host, server.Port));

        var channel = Assert.IsType<EmailChannel>(_type.CreateChannel(settings, EmailSettings.Services(ChannelFactory.Clock())));
        await using (channel)
        {
            await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);
        }

        var received = Assert.Single(await server.WaitForMessagesAsync(1, TimeSpan.FromSeconds(15)));
        Assert.Equal("Mairie de Saint-Clair", Assert.Single(received.From.Mailboxes).Name);
        Assert.Equal(TestMessages.Now, received.Date);
    }

    [Fact]
    public void CreateMailbox_WithoutImapHost_ReturnsNull()
    {
        Assert.Null(_type.CreateMailbox(EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587)), EmailSettings.Services()));
    }

    [Fact]
    public void CreateMailbox_ImapHostWithoutPassword_ThrowsWithThePath()
    {
        var settings = EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587)
            .With("imapHost", "imap.mairie-exemple.fr").With("imapUsername", "retours"));

        var error = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateMailbox(settings, EmailSettings.Services()));

        Assert.Equal("connectors:email:secrets:imapPassword", error.Path);
    }

    [Fact]
    public void CreateMailbox_ImapConfigured_ReturnsTheImapMailbox()
    {
        var settings = EmailSettings.Create(
            EmailSettings.Smtp("smtp.mairie-exemple.fr", 587).With("imapHost", "imap.mairie-exemple.fr").With("imapUsername", "retours"),
            new Dictionary<string, string> { ["imapPassword"] = "p" });

        Assert.IsType<ImapReplyMailbox>(_type.CreateMailbox(settings, EmailSettings.Services()));
        var options = EmailConnectorType.ToImapOptions(settings);
        Assert.Equal(143, options.EffectivePort);
        Assert.Equal(ImapSecurity.StartTls, options.Security);
        Assert.Equal("Traités", options.ProcessedFolder);
    }

    [Fact]
    public async Task TestAsync_RealSmtpServer_ReportsSuccessAndWhatTheServerOffers()
    {
        using var server = new SmtpSinkServer();

        var check = await _type.TestAsync(EmailSettings.Create(EmailSettings.Smtp(server.Host, server.Port)), EmailSettings.Services(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.StartsWith($"Connexion SMTP réussie : {server.Host}", check.Detail, StringComparison.Ordinal);
        Assert.Contains("ne propose pas DSN", check.Detail, StringComparison.Ordinal);
        Assert.Equal(0, server.MessageCount);
    }

    [Fact]
    public async Task TestAsync_ServerWithDsnAndAuthentication_ReportsThemAndAuthenticates()
    {
        using var server = new RecordingSmtpServer(user: "secretariat", password: "Mot-de-passe-SMTP");
        var settings = EmailSettings.Create(
            EmailSettings.Smtp(server.Host, server.Port).With("username", "secretariat"),
            new Dictionary<string, string> { ["password"] = "Mot-de-passe-SMTP" });

        var check = await _type.TestAsync(settings, EmailSettings.Services(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Equal($"Connexion SMTP réussie : {server.Host}, AUTH, DSN, taille max. 10 Mo ; authentifié en tant que secretariat", check.Detail);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task TestAsync_WrongSmtpPassword_FailsWithoutThePassword()
    {
        using var server = new RecordingSmtpServer(user: "secretariat", password: "Mot-de-passe-SMTP");
        var settings = EmailSettings.Create(
            EmailSettings.Smtp(server.Host, server.Port).With("username", "secretariat"),
            new Dictionary<string, string> { ["password"] = "Mauvais-mot-de-passe" });

        var check = await _type.TestAsync(settings, EmailSettings.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Equal(FormattableString.Invariant($"Échec SMTP : identifiant ou mot de passe refusé par {server.Host}:{server.Port}."), check.Detail);
    }

    [Fact]
    public async Task TestAsync_CredentialsButNoAuthOffered_Fails()
    {
        using var server = new SmtpSinkServer();
        var settings = EmailSettings.Create(
            EmailSettings.Smtp(server.Host, server.Port).With("username", "secretariat"),
            new Dictionary<string, string> { ["password"] = "Mot-de-passe-SMTP" });

        var check = await _type.TestAsync(settings, EmailSettings.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("ne propose pas d'authentification (AUTH)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_StartTlsRequiredButNotOffered_Fails()
    {
        using var server = new SmtpSinkServer();
        var settings = EmailSettings.Create(EmailSettings.Smtp(server.Host, server.Port).With("security", "starttls"));

        var check = await _type.TestAsync(settings, EmailSettings.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("ne propose pas STARTTLS", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_NothingListening_FailsWithConnectionRefused()
    {
        using var reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)reserved.LocalEndPoint!).Port;

        var check = await _type.TestAsync(EmailSettings.Create(EmailSettings.Smtp("127.0.0.1", port)), EmailSettings.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"Échec SMTP : connexion refusée par 127.0.0.1:{port} (serveur arrêté ou port fermé)."), check.Detail);
    }

    [Fact]
    public async Task TestAsync_InvalidSettings_FailsListingTheKeys()
    {
        var check = await _type.TestAsync(
            EmailSettings.Create(EmailSettings.Smtp("smtp.mairie-exemple.fr", 587).With("port", "0")), EmailSettings.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.StartsWith("Paramètres invalides : port : ", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_SmtpAndImap_ChecksBoth()
    {
        using var smtp = new SmtpSinkServer();
        using var imap = new ImapTestServer();

        var check = await _type.TestAsync(WithImap(smtp, imap, imap.Password), EmailSettings.Services(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Contains("Connexion SMTP réussie", check.Detail, StringComparison.Ordinal);
        Assert.EndsWith($"connexion IMAP réussie : {imap.Host}, INBOX ouverte (0 message)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_WrongImapPassword_FailsWithoutThePassword()
    {
        using var smtp = new SmtpSinkServer();
        using var imap = new ImapTestServer();
        const string wrong = "Mauvais-MDP-IMAP-42";

        var check = await _type.TestAsync(WithImap(smtp, imap, wrong), EmailSettings.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains(FormattableString.Invariant($"échec IMAP : identifiant ou mot de passe refusé par {imap.Host}:{imap.Port}."), check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(imap.Password, check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AddEmailConnector_OnTheHubBuilder_AddsTheType()
    {
        var hub = new ConnectorConformanceTests.RecordingHubBuilder();

        Assert.Same(hub, hub.AddEmailConnector());
        Assert.Equal("email", Assert.Single(hub.Types).TypeId);
    }

    private static ConnectorSettings WithImap(SmtpSinkServer smtp, ImapTestServer imap, string imapPassword) => EmailSettings.Create(
        EmailSettings.Smtp(smtp.Host, smtp.Port)
            .With("imapHost", imap.Host)
            .With("imapPort", imap.Port.ToString(CultureInfo.InvariantCulture))
            .With("imapSecurity", "none")
            .With("imapUsername", imap.User),
        new Dictionary<string, string> { ["imapPassword"] = imapPassword });

}

using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Conformance;
using IntegrationHub.TestSupport.Timestamping;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationHub.Connectors.Timestamping.Tests;

public sealed class Rfc3161ConnectorTypeTests : IAsyncLifetime
{
    private readonly Rfc3161ConnectorType _type = new();
    private TsaStandIn _tsa = null!;

    public async Task InitializeAsync() => _tsa = await TsaStandIn.StartAsync();

    public async Task DisposeAsync() => await _tsa.DisposeAsync();

    private ConnectorSettings Settings(IReadOnlyDictionary<string, string>? values = null, IReadOnlyDictionary<string, string>? secrets = null, bool withUrl = true)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        if (withUrl)
        {
            all["url"] = _tsa.Url.AbsoluteUri;
        }

        foreach (var (key, value) in values ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return new ConnectorSettings("horodatage", "commune-test", all, secrets ?? new Dictionary<string, string>(), new Uri("https://hub.example/"));
    }

    private static ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddHttpClient();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Schema_HasTheDocumentedKeys()
    {
        Assert.Equal("rfc3161", _type.TypeId);
        Assert.Equal("Horodatage RFC 3161 (autorité externe)", _type.DisplayName);
        Assert.Equal(RecipientAddress.None, _type.Address);
        Assert.Equal(["url", "username", "password", "policyOid", "certificateChainPem", "qualified"], _type.Settings.Select(s => s.Key));
        Assert.Equal(["url"], _type.Settings.Where(s => s.Required).Select(s => s.Key));
        Assert.Equal(["password"], _type.Settings.Where(s => s.Secret).Select(s => s.Key));
        Assert.Equal(SettingKind.Url, _type.Settings.Single(s => s.Key == "url").Kind);
        var qualified = _type.Settings.Single(s => s.Key == "qualified");
        Assert.Equal(SettingKind.Boolean, qualified.Kind);
        Assert.Equal("false", qualified.DefaultValue);
        Assert.All(_type.Settings, s => Assert.False(string.IsNullOrWhiteSpace(s.Label)));
    }

    [Fact]
    public void Validate_EverySettingWellFormed_ReportsNothing()
    {
        var settings = Settings(
            new Dictionary<string, string>
            {
                ["username"] = "mairie",
                ["policyOid"] = "1.2.250.1.177.2.6.1.1",
                ["certificateChainPem"] = _tsa.ChainPem,
                ["qualified"] = "true",
            },
            new Dictionary<string, string> { ["password"] = "s3cret" });

        Assert.Empty(_type.Validate(settings));
    }

    [Fact]
    public void Validate_MissingUrl_NamesItInFrench()
    {
        var error = Assert.Single(_type.Validate(Settings(withUrl: false)));

        Assert.Equal("url", error.Key);
        Assert.StartsWith("url est obligatoire", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("url", "horodatage.exemple.fr/tsa", "url doit être une adresse http(s) absolue")]
    [InlineData("url", "ftp://horodatage.exemple.fr/tsa", "url doit être une adresse http(s) absolue")]
    [InlineData("url", "https://moi:secret@horodatage.exemple.fr/tsa", "url ne doit pas contenir d'identifiant")]
    [InlineData("policyOid", "1.2.x", "policyOid doit être un identifiant d'objet")]
    [InlineData("policyOid", "3.1.2", "policyOid doit être un identifiant d'objet")]
    [InlineData("policyOid", "1.40.2", "policyOid doit être un identifiant d'objet")]
    [InlineData("policyOid", "1.02.3", "policyOid doit être un identifiant d'objet")]
    [InlineData("qualified", "oui", "qualified doit valoir true ou false")]
    [InlineData("certificateChainPem", "pas un certificat", "certificateChainPem doit contenir au moins un certificat")]
    [InlineData("certificateChainPem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "certificateChainPem doit contenir des certificats au format PEM")]
    [InlineData("certificateChainPem", "private-key-pem", "certificateChainPem doit contenir des certificats au format PEM")]
    public void Validate_MalformedValue_NamesTheKeyInFrench(string key, string value, string expected)
    {
        // A private key pasted where the certificates go: built at run time, no key-shaped literal in git.
        value = value == "private-key-pem" ? FakeSecrets.PrivateKeyPem("AAAA") : value;
        var error = Assert.Single(_type.Validate(Settings(new Dictionary<string, string> { [key] = value })));

        Assert.Equal(key, error.Key);
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ChainNotStartingWithATsaCertificate_SaysSo()
    {
        var rootFirst = TimestampCertificates.ToPem([_tsa.Root, _tsa.Signer]);

        var error = Assert.Single(_type.Validate(Settings(new Dictionary<string, string> { ["certificateChainPem"] = rootFirst })));

        Assert.Equal("certificateChainPem", error.Key);
        Assert.Contains("doit commencer par le certificat d'horodatage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PasswordWithoutUserNameAndOverPlainHttp_NamesBothFields()
    {
        var settings = Settings(
            new Dictionary<string, string> { ["url"] = "http://horodatage.exemple.fr/tsa" },
            new Dictionary<string, string> { ["password"] = "s3cret" });

        var errors = _type.Validate(settings);

        Assert.Equal(["url", "username"], errors.Select(e => e.Key));
        Assert.Contains("circulerait en clair", errors[0].Message, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UserNameWithoutPassword_NamesThePassword()
    {
        var error = Assert.Single(_type.Validate(Settings(new Dictionary<string, string> { ["username"] = "mairie" })));

        Assert.Equal("password", error.Key);
    }

    [Fact]
    public void CreateChannel_IsNull()
    {
        Assert.Null(_type.CreateChannel(Settings(), Services()));
    }

    [Fact]
    public void CreateTimestampAuthority_MissingUrl_ThrowsNamingItsPath()
    {
        var error = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateTimestampAuthority(Settings(withUrl: false), Services()));

        Assert.Equal("connectors:horodatage:settings:url", error.Path);
        Assert.Contains(error.Path!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTimestampAuthority_InvalidPolicy_ThrowsNamingItsPath()
    {
        var settings = Settings(new Dictionary<string, string> { ["policyOid"] = "politique" });

        var error = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateTimestampAuthority(settings, Services()));

        Assert.Equal("connectors:horodatage:settings:policyOid", error.Path);
    }

    [Fact]
    public void CreateTimestampAuthority_QualifiedWithChain_ExposesBoth()
    {
        var settings = Settings(new Dictionary<string, string> { ["certificateChainPem"] = _tsa.ChainPem, ["qualified"] = "true" });

        var authority = _type.CreateTimestampAuthority(settings, Services());

        Assert.True(authority.IsQualified);
        Assert.Equal([_tsa.Signer.RawData, _tsa.Root.RawData], authority.CertificateChain.Select(c => c.ToArray()));
        Assert.Equal("Horodatage RFC 3161 de 127.0.0.1 (qualifié eIDAS)", authority.DisplayName);
    }

    [Fact]
    public void CreateTimestampAuthority_Defaults_NotQualifiedNoChain()
    {
        var authority = _type.CreateTimestampAuthority(Settings(), Services());

        Assert.False(authority.IsQualified);
        Assert.Empty(authority.CertificateChain);
        Assert.Equal("Horodatage RFC 3161 de 127.0.0.1 (non qualifié)", authority.DisplayName);
    }

    [Fact]
    public async Task CreateTimestampAuthority_WithoutHttpClientFactory_StampsThroughASharedClient()
    {
        var authority = _type.CreateTimestampAuthority(Settings(), new ServiceCollection().BuildServiceProvider());

        await authority.StampAsync(new byte[32], CancellationToken.None);

        Assert.Equal(1, _tsa.Requests);
    }

    [Fact]
    public async Task TestAsync_WithChain_StampsAndVerifiesInFrench()
    {
        var settings = Settings(new Dictionary<string, string> { ["certificateChainPem"] = _tsa.ChainPem });

        var check = await _type.TestAsync(settings, Services(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.StartsWith("Jeton d'horodatage obtenu et vérifié (signature et chaîne de certification vérifiées", check.Detail, StringComparison.Ordinal);
        Assert.Contains("« Autorité d'horodatage de test »", check.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _tsa.Requests);
    }

    [Fact]
    public async Task TestAsync_WithoutChain_SaysTheChainWasNotChecked()
    {
        var check = await _type.TestAsync(Settings(), Services(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Contains("chaîne de certification non vérifiée", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_TsaUnavailable_SaysRetryLater()
    {
        _tsa.Behaviour = TsaBehaviour.Unavailable;

        var check = await _type.TestAsync(Settings(), Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.StartsWith("Autorité d'horodatage injoignable ou indisponible", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_WrongPassword_SaysRefusedWithoutThePassword()
    {
        _tsa.RequiredCredentials = ("mairie", "bon-mot-de-passe");
        var settings = Settings(new Dictionary<string, string> { ["username"] = "mairie" }, new Dictionary<string, string> { ["password"] = "mauvais-mot-de-passe" });

        var check = await _type.TestAsync(settings, Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.StartsWith("L'autorité d'horodatage a refusé la demande", check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("mauvais-mot-de-passe", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_InvalidSettings_IsNotOkAndSendsNothing()
    {
        var check = await _type.TestAsync(Settings(new Dictionary<string, string> { ["qualified"] = "peut-être" }), Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("qualified doit valoir true ou false", check.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _tsa.Requests);
    }

    [Fact]
    public void Plugin_Register_AddsTheTypeAndANamedClientWithoutRedirects()
    {
        var hub = new ConnectorConformanceTests.RecordingHubBuilder();
        var plugin = new TimestampingPlugin();

        plugin.Register(hub);

        Assert.Equal("rfc3161", plugin.Name);
        Assert.IsType<Rfc3161ConnectorType>(Assert.Single(hub.Types));
        using var services = hub.Services.BuildServiceProvider();
        Assert.NotNull(services.GetRequiredService<IHttpClientFactory>().CreateClient(Rfc3161ConnectorType.HttpClientName));
    }
}

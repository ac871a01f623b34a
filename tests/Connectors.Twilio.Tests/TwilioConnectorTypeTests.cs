using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Conformance;
using IntegrationHub.TestSupport.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class TwilioConnectorTypeTests : IAsyncLifetime
{
    private readonly TwilioConnectorType _type = new();
    private TwilioStandIn _twilio = null!;

    public async Task InitializeAsync() => _twilio = await TwilioStandIn.StartAsync();

    public async Task DisposeAsync() => await _twilio.DisposeAsync();

    [Fact]
    public void Settings_Schema_HasTheDocumentedKeys()
    {
        Assert.Equal("twilio", _type.TypeId);
        Assert.Equal("SMS (Twilio)", _type.DisplayName);
        Assert.Equal(RecipientAddress.Mobile, _type.Address);
        Assert.Equal(["accountSid", "from", "messagingServiceSid", "baseUrl", "authToken"], _type.Settings.Select(s => s.Key));
        Assert.Equal(["accountSid", "authToken"], _type.Settings.Where(s => s.Required).Select(s => s.Key));
        Assert.Equal(["authToken"], _type.Settings.Where(s => s.Secret).Select(s => s.Key));
        var baseUrl = Assert.Single(_type.Settings, s => s.Key == "baseUrl");
        Assert.Equal(SettingKind.Url, baseUrl.Kind);
        Assert.Equal("https://api.twilio.com", baseUrl.DefaultValue);
    }

    [Theory]
    [InlineData("from", "+33700000001")]
    [InlineData("from", "MAIRIE")]
    [InlineData("from", "Mairie 69")]
    [InlineData("from", "ABCDEFGHIJK")]
    [InlineData("messagingServiceSid", "MG0123456789ABCDEF0123456789abcdef")]
    public void Validate_EitherSender_ReportsNothing(string key, string value)
    {
        var settings = TwilioTestData.Settings(_twilio, without: ["from"], overrides: new Dictionary<string, string> { [key] = value });

        Assert.Empty(_type.Validate(settings));
    }

    [Fact]
    public void Validate_NeitherFromNorMessagingService_NamesBothKeysInFrench()
    {
        var errors = _type.Validate(TwilioTestData.Settings(_twilio, without: ["from"]));

        Assert.Equal(["from", "messagingServiceSid"], errors.Select(e => e.Key));
        Assert.All(errors, e => Assert.Contains("l'un des deux est obligatoire", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("accountSid", "AC123")]
    [InlineData("accountSid", "SK0123456789abcdef0123456789abcdef")]
    [InlineData("accountSid", "AC0123456789abcdef0123456789abcdeg")]
    [InlineData("from", "MAIRIEDELYON")]
    [InlineData("from", "0612345678")]
    [InlineData("from", "123456")]
    [InlineData("from", "Mairie-Lyon")]
    [InlineData("from", "Mairié")]
    [InlineData("messagingServiceSid", "MG123")]
    [InlineData("baseUrl", "api.twilio.com")]
    [InlineData("baseUrl", "ftp://api.twilio.com")]
    [InlineData("baseUrl", "http://api.twilio.com")]
    public void Validate_MalformedValue_NamesTheKeyAndTheValueInFrench(string key, string value)
    {
        var settings = TwilioTestData.Settings(_twilio, overrides: new Dictionary<string, string> { [key] = value });

        var error = Assert.Single(_type.Validate(settings));

        Assert.Equal(key, error.Key);
        Assert.StartsWith($"{key} doit ", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accountSid", "accountSid est obligatoire")]
    [InlineData("authToken", "authToken est obligatoire")]
    public void Validate_MissingRequired_NamesTheKeyInFrench(string key, string expected)
    {
        var error = Assert.Single(_type.Validate(TwilioTestData.Settings(_twilio, without: [key])));

        Assert.Equal(key, error.Key);
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AuthToken_NeverAppearsInErrors()
    {
        var settings = TwilioTestData.Settings(_twilio, overrides: new Dictionary<string, string>
        {
            ["accountSid"] = "bad",
            ["from"] = "bad-sender-name",
            ["baseUrl"] = "http://api.twilio.com",
        });

        var errors = _type.Validate(settings);

        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.DoesNotContain(_twilio.AuthToken, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void CreateChannel_NeitherSender_ThrowsNamingTheFromPath()
    {
        var settings = TwilioTestData.Settings(_twilio, without: ["from"]);

        var error = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateChannel(settings, Services()));

        Assert.Equal("connectors:sms:settings:from", error.Path);
        Assert.Contains("connectors:sms:settings:messagingServiceSid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateChannel_MalformedAccountSid_ThrowsNamingItsPath()
    {
        var settings = TwilioTestData.Settings(_twilio, overrides: new Dictionary<string, string> { ["accountSid"] = "AC123" });

        var error = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateChannel(settings, Services()));

        Assert.Equal("connectors:sms:settings:accountSid", error.Path);
    }

    [Theory]
    [InlineData("https://convocations.mairie-exemple.fr/", "https://convocations.mairie-exemple.fr/hooks/twilio/status")]
    [InlineData("https://www.mairie-exemple.fr/convocations", "https://www.mairie-exemple.fr/convocations/hooks/twilio/status")]
    [InlineData("https://www.mairie-exemple.fr/convocations/", "https://www.mairie-exemple.fr/convocations/hooks/twilio/status")]
    public void CreateChannel_PublicBaseUrl_GivesTheAbsoluteStatusCallback(string publicBaseUrl, string expected)
    {
        var settings = TwilioTestData.Settings(_twilio, publicBaseUrl: new Uri(publicBaseUrl));

        var channel = Assert.IsType<TwilioSmsChannel>(_type.CreateChannel(settings, Services()));

        Assert.Equal(expected, channel.StatusCallback.AbsoluteUri);
        Assert.Equal("sms", channel.Kind);
    }

    [Fact]
    public async Task CreateChannel_WithoutHttpClientFactory_SendsThroughASharedClient()
    {
        var channel = _type.CreateChannel(TwilioTestData.Settings(_twilio), new ServiceCollection().BuildServiceProvider());

        var receipt = await channel.SendAsync(TwilioTestData.Sms("no-factory"), CancellationToken.None);

        Assert.Equal(receipt.ProviderMessageId, Assert.Single(_twilio.Messages).Sid);
    }

    [Fact]
    public async Task TestAsync_ActiveAccount_IsOk()
    {
        var check = await _type.TestAsync(TwilioTestData.Settings(_twilio), Services(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Contains("Compte de test", check.Detail, StringComparison.Ordinal);
        Assert.Empty(_twilio.Messages);
    }

    [Fact]
    public async Task TestAsync_WrongToken_SaysCredentialsRefused()
    {
        var settings = TwilioTestData.Settings(_twilio, overrides: new Dictionary<string, string> { ["authToken"] = "not-the-token" });

        var check = await _type.TestAsync(settings, Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("identifiants Twilio refusés", check.Detail, StringComparison.Ordinal);
        Assert.Contains("20003", check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_SuspendedAccount_IsNotOk()
    {
        await using var other = await TwilioStandIn.StartAsync("AC" + new string('f', 32), TwilioStandIn.DefaultAuthToken);
        var settings = TwilioTestData.Settings(other.BaseUrl.AbsoluteUri, accountSid: "AC" + new string('f', 32));
        other.AccountStatus = "suspended";

        var check = await _type.TestAsync(settings, Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("suspended", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_Unreachable_IsNotOk()
    {
        var settings = TwilioTestData.Settings($"http://127.0.0.1:{Ports.FreeTcpPort()}");

        var check = await _type.TestAsync(settings, Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.StartsWith("Twilio injoignable", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_InvalidSettings_IsNotOkWithTheErrors()
    {
        var settings = TwilioTestData.Settings(_twilio, overrides: new Dictionary<string, string> { ["accountSid"] = "AC123" });

        var check = await _type.TestAsync(settings, Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("accountSid doit", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Plugin_Register_AddsTheTypeAndATwilioHttpClientWithATimeout()
    {
        var hub = new ConnectorConformanceTests.RecordingHubBuilder();
        var plugin = new TwilioPlugin();

        plugin.Register(hub);

        Assert.Equal("twilio", plugin.Name);
        Assert.IsType<TwilioConnectorType>(Assert.Single(hub.Types));
        using var services = hub.Services.BuildServiceProvider();
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(TwilioConnectorType.HttpClientName);
        Assert.Equal(TimeSpan.FromSeconds(30), client.Timeout);
    }

    private static ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddHttpClient();
        return services.BuildServiceProvider();
    }
}

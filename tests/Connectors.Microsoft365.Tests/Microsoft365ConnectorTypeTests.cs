using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IntegrationHub.Plugins.Calendars;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Conformance;
using IntegrationHub.TestSupport.Graph;

namespace IntegrationHub.Connectors.Microsoft365.Tests;

public sealed class Microsoft365ConnectorTypeTests : IAsyncLifetime
{
    private readonly Microsoft365ConnectorType _type = new();
    private GraphStandIn _graph = null!;

    public async Task InitializeAsync() => _graph = await GraphStandIn.StartAsync();

    public async Task DisposeAsync() => await _graph.DisposeAsync();

    [Fact]
    public void Plugin_Register_AddsTheMicrosoft365TypeAsACalendarPublisherWithoutChannel()
    {
        var builder = new ConnectorConformanceTests.RecordingHubBuilder();
        new Microsoft365Plugin().Register(builder);

        var type = Assert.Single(builder.Types);
        Assert.Equal("microsoft365", type.TypeId);
        Assert.IsAssignableFrom<ICalendarPublisherProvider>(type);
        Assert.Null(type.CreateChannel(Microsoft365TestData.Settings(_graph), Microsoft365TestData.Services()));
        Assert.Equal(
            ["tenantId", "clientId", "organizerMailbox", "graphBaseUrl", "credentialKind", "approverSignIn", "loginBaseUrl", "clientSecret", "certificatePfx", "certificatePassword", "staticToken", "teamsWorkflowUrl"],
            type.Settings.Select(s => s.Key));
        Assert.All(type.Settings.Where(s => s.Key is "clientSecret" or "certificatePfx" or "certificatePassword" or "staticToken" or "teamsWorkflowUrl"), s => Assert.True(s.Secret, s.Key));
        Assert.Equal("https://graph.microsoft.com/v1.0", type.Settings.Single(s => s.Key == "graphBaseUrl").DefaultValue);
    }

    [Fact]
    public void Validate_StaticTokenAgainstTheStandIn_IsAccepted()
    {
        Assert.Empty(_type.Validate(Microsoft365TestData.Settings(_graph)));
    }

    [Theory]
    [InlineData("https://graph.microsoft.com/v1.0")]
    [InlineData("https://graph.microsoft.us/v1.0")]
    [InlineData("https://canary.graph.microsoft.com/v1.0")]
    [InlineData("https://microsoftgraph.chinacloudapi.cn/v1.0")]
    public void Validate_StaticTokenOnARealMicrosoftHost_IsRefused(string baseUrl)
    {
        var error = Assert.Single(_type.Validate(Microsoft365TestData.Settings(baseUrl)));

        Assert.Equal("credentialKind", error.Key);
        Assert.Contains("staticToken", error.Message, StringComparison.Ordinal);
        Assert.Contains(new Uri(baseUrl).Host, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StaticTokenWithTheDefaultBaseUrl_IsRefused()
    {
        var errors = _type.Validate(Microsoft365TestData.Settings("unused", values: new Dictionary<string, string?> { ["graphBaseUrl"] = null }));

        Assert.Equal("credentialKind", Assert.Single(errors).Key);
    }

    [Fact]
    public void Validate_ClientSecretKindWithoutItsSettings_NamesEachMissingFieldInFrench()
    {
        var settings = Microsoft365TestData.Settings(
            "https://graph.microsoft.com/v1.0",
            values: new Dictionary<string, string?> { ["credentialKind"] = "clientSecret", ["organizerMailbox"] = null },
            secrets: new Dictionary<string, string?> { ["staticToken"] = null });

        var errors = _type.Validate(settings);

        Assert.Equal(["tenantId", "clientId", "organizerMailbox", "clientSecret"], errors.Select(e => e.Key));
        Assert.All(errors, e => Assert.StartsWith(e.Key + " est obligatoire", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ClientSecretKindComplete_IsAccepted()
    {
        var settings = Microsoft365TestData.Settings(
            "https://graph.microsoft.com/v1.0",
            values: new Dictionary<string, string?> { ["credentialKind"] = "clientSecret", ["tenantId"] = Microsoft365TestData.TenantId, ["clientId"] = Microsoft365TestData.ClientId },
            secrets: new Dictionary<string, string?> { ["staticToken"] = null, ["clientSecret"] = "s3cr3t~value" });

        Assert.Empty(_type.Validate(settings));
    }

    [Theory]
    [InlineData("credentialKind", "password", "credentialKind")]
    [InlineData("tenantId", "pas un tenant", "tenantId")]
    [InlineData("clientId", "mon-application", "clientId")]
    [InlineData("organizerMailbox", "secretariat", "organizerMailbox")]
    [InlineData("graphBaseUrl", "graph.local/v1.0", "graphBaseUrl")]
    [InlineData("graphBaseUrl", "http://graph.mairie-exemple.fr/v1.0", "graphBaseUrl")]
    public void Validate_AnInvalidValue_IsNamedWithWhatWasReceived(string key, string value, string expectedKey)
    {
        var errors = _type.Validate(Microsoft365TestData.Settings(_graph, values: new Dictionary<string, string?> { [key] = value }));

        var error = Assert.Single(errors);
        Assert.Equal(expectedKey, error.Key);
        Assert.StartsWith(expectedKey + " doit", error.Message, StringComparison.Ordinal);
        Assert.Contains($"«\u00A0{value}\u00A0»", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TeamsWorkflowUrlNotHttps_IsRefusedWithoutRepeatingTheUrl()
    {
        var url = "http://prod-12.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=" + FakeSecrets.Token("sig");
        var errors = _type.Validate(Microsoft365TestData.Settings(_graph, secrets: new Dictionary<string, string?> { ["teamsWorkflowUrl"] = url }));

        var error = Assert.Single(errors);
        Assert.Equal("teamsWorkflowUrl", error.Key);
        Assert.StartsWith("teamsWorkflowUrl doit", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sig", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ApproverSignInWithoutTheApplication_IsRefused()
    {
        var signIn = new Dictionary<string, string?> { ["approverSignIn"] = "true" };

        Assert.Equal("approverSignIn", Assert.Single(_type.Validate(Microsoft365TestData.Settings(_graph, values: signIn))).Key);
        var complete = new Dictionary<string, string?> { ["approverSignIn"] = "true", ["tenantId"] = Microsoft365TestData.TenantId, ["clientId"] = Microsoft365TestData.ClientId };
        Assert.Empty(_type.Validate(Microsoft365TestData.Settings(_graph, values: complete, secrets: new Dictionary<string, string?> { ["clientSecret"] = "s3cr3t~value" })));
        complete["loginBaseUrl"] = "http://login.mairie-exemple.fr";
        Assert.Equal("loginBaseUrl", Assert.Single(_type.Validate(Microsoft365TestData.Settings(_graph, values: complete, secrets: new Dictionary<string, string?> { ["clientSecret"] = "s3cr3t~value" }))).Key);
    }

    [Fact]
    public void Validate_CertificateKind_ChecksThePfxOpensWithItsPassword()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=hub-convocations", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        var pfx = Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12, "mot-de-passe"));
        ConnectorSettings With(string? pfxValue, string? password) => Microsoft365TestData.Settings(
            "https://graph.microsoft.com/v1.0",
            values: new Dictionary<string, string?> { ["credentialKind"] = "certificate", ["tenantId"] = "mairie-exemple.onmicrosoft.com", ["clientId"] = Microsoft365TestData.ClientId },
            secrets: new Dictionary<string, string?> { ["staticToken"] = null, ["certificatePfx"] = pfxValue, ["certificatePassword"] = password });

        Assert.Empty(_type.Validate(With(pfx, "mot-de-passe")));
        Assert.Equal("certificatePfx", Assert.Single(_type.Validate(With(pfx, "mauvais"))).Key);
        Assert.Contains("base64", Assert.Single(_type.Validate(With("not base64!", null))).Message, StringComparison.Ordinal);
        Assert.Equal("certificatePfx", Assert.Single(_type.Validate(With(null, null))).Key);
    }

    [Fact]
    public void CreateCalendarPublisher_InvalidSettings_ThrowsNamingThePath()
    {
        var settings = Microsoft365TestData.Settings(_graph, secrets: new Dictionary<string, string?> { ["staticToken"] = null });

        var e = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateCalendarPublisher(settings, Microsoft365TestData.Services()));

        Assert.Equal("connectors:m365:secrets:staticToken", e.Path);
        Assert.DoesNotContain(GraphStandIn.DefaultToken, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_ReadsTheOrganiserCalendarWithTheToken()
    {
        var check = await _type.TestAsync(Microsoft365TestData.Settings(_graph), Microsoft365TestData.Services(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Contains(GraphStandIn.DefaultMailbox, check.Detail, StringComparison.Ordinal);
        var request = Assert.Single(_graph.Requests);
        Assert.Equal("GET", request.Method);
        Assert.StartsWith($"/v1.0/users/{GraphStandIn.DefaultMailbox}/calendar", Uri.UnescapeDataString(request.PathAndQuery), StringComparison.Ordinal);
        Assert.Equal($"Bearer {GraphStandIn.DefaultToken}", request.Header("Authorization"));
    }

    [Fact]
    public async Task TestAsync_WrongToken_ReportsTheRefusalInFrench()
    {
        var settings = Microsoft365TestData.Settings(_graph, secrets: new Dictionary<string, string?> { ["staticToken"] = "expired" });

        var check = await _type.TestAsync(settings, Microsoft365TestData.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("401", check.Detail, StringComparison.Ordinal);
        Assert.Contains("refusé l'authentification", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_UnknownMailbox_SaysSo()
    {
        var settings = Microsoft365TestData.Settings(_graph, values: new Dictionary<string, string?> { ["organizerMailbox"] = "inconnu@mairie-exemple.fr" });

        var check = await _type.TestAsync(settings, Microsoft365TestData.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("inconnu@mairie-exemple.fr introuvable", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_StaticTokenForTheRealGraph_IsRefusedWithoutSendingAnything()
    {
        var check = await _type.TestAsync(Microsoft365TestData.Settings("https://graph.microsoft.com/v1.0"), Microsoft365TestData.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.StartsWith("Paramètres invalides\u00A0:", check.Detail, StringComparison.Ordinal);
        Assert.Empty(_graph.Requests);
    }

    [Fact]
    public async Task TestAsync_GraphUnreachable_SaysSo()
    {
        var port = IntegrationHub.TestSupport.Ports.FreeTcpPort();
        var settings = Microsoft365TestData.Settings($"http://127.0.0.1:{port}/v1.0");

        var check = await _type.TestAsync(settings, Microsoft365TestData.Services(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("injoignable", check.Detail, StringComparison.Ordinal);
    }
}

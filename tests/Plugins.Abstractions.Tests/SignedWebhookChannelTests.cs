using System.Globalization;
using System.Text.Json;
using Example.SignedWebhook;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport.Webhook;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IntegrationHub.Plugins.Abstractions.Tests;

/// <summary>The sample's wire format and failure mapping, against a real receiver on 127.0.0.1.</summary>
public sealed class SignedWebhookChannelTests : IAsyncLifetime
{
    private const string SigningKey = "s3cr3t-signing-key";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 7, 9, 0, 0, TimeSpan.Zero));
    private readonly SignedWebhookConnectorType _type = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(SigningKey);

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private IChannel Channel(string signingKey = SigningKey) =>
        _type.CreateChannel(SignedWebhookSamples.Settings(_receiver.Url, signingKey), new ServiceCollection().AddSingleton<TimeProvider>(_clock).BuildServiceProvider());

    [Fact]
    public async Task SendAsync_Accepted_PostsTheDocumentedJsonWithSignatureTimestampAndIdempotencyKey()
    {
        var receipt = await Channel().SendAsync(SignedWebhookSamples.Convocation("conv-42"), CancellationToken.None);

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hook", request.Path);
        Assert.True(request.SignatureValid);
        Assert.True(WebhookReceiver.IsValidSignature(request.RawBody.Span, request.Header("X-Hub-Signature-256"), SigningKey));
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), request.Header("X-Hub-Timestamp"));
        Assert.Equal("conv-42", request.Header("Idempotency-Key"));
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal("conv-42", receipt.ProviderMessageId);
        Assert.Equal("""200 OK {"status":"received"}""", receipt.ProviderResponse);

        var json = request.Json();
        Assert.Equal(
            ["idempotencyKey", "kind", "recipient", "subject", "text", "html", "calendar"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("conv-42", json.GetProperty("idempotencyKey").GetString());
        Assert.Equal("convocation", json.GetProperty("kind").GetString());
        Assert.Equal("Marie Dupont", json.GetProperty("recipient").GetProperty("displayName").GetString());
        Assert.Equal("marie.dupont@example.fr", json.GetProperty("recipient").GetProperty("email").GetString());
        Assert.Equal("+33612345678", json.GetProperty("recipient").GetProperty("mobile").GetString());
        Assert.Equal("Convocation au conseil municipal du 14 mars 2025", json.GetProperty("subject").GetString());
        Assert.Equal("Madame, vous êtes convoquée…", json.GetProperty("text").GetString());
        Assert.Equal("<p>Madame, vous êtes convoquée…</p>", json.GetProperty("html").GetString());
        var calendar = json.GetProperty("calendar");
        Assert.Equal(
            ["uid", "sequence", "method", "start", "end", "timeZoneId", "location"],
            calendar.EnumerateObject().Select(p => p.Name));
        Assert.Equal("conv-42@hub.test", calendar.GetProperty("uid").GetString());
        Assert.Equal(0, calendar.GetProperty("sequence").GetInt32());
        Assert.Equal("request", calendar.GetProperty("method").GetString());
        Assert.Equal("2025-03-14T18:30:00", calendar.GetProperty("start").GetString());
        Assert.Equal("2025-03-14T21:00:00", calendar.GetProperty("end").GetString());
        Assert.Equal("Europe/Paris", calendar.GetProperty("timeZoneId").GetString());
        Assert.Equal("Salle du conseil, mairie", calendar.GetProperty("location").GetString());
    }

    [Fact]
    public async Task SendAsync_NoCalendarNoHtmlNoAddresses_SendsNulls()
    {
        var message = new OutboundMessage("notice-1", MessageKind.Notice, new Recipient("Jean Martin", null), "Rappel", "Texte");

        await Channel().SendAsync(message, CancellationToken.None);

        var json = Assert.Single(_receiver.Requests).Json();
        Assert.Equal("notice", json.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("html").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("calendar").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("recipient").GetProperty("email").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("recipient").GetProperty("mobile").ValueKind);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task SendAsync_RetryableStatus_ThrowsTransient(int status)
    {
        _receiver.FailNext(status);

        var error = await Assert.ThrowsAsync<TransientDeliveryException>(() => Channel().SendAsync(SignedWebhookSamples.Convocation("t"), CancellationToken.None));

        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(413)]
    [InlineData(422)]
    [InlineData(302)]
    public async Task SendAsync_OtherNonSuccessStatus_ThrowsPermanent(int status)
    {
        _receiver.FailNext(status);

        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(() => Channel().SendAsync(SignedWebhookSamples.Convocation("p"), CancellationToken.None));

        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ThrottledWithRetryAfter_CarriesTheDelay()
    {
        _receiver.FailNext(429, retryAfter: TimeSpan.FromSeconds(120));

        var error = await Assert.ThrowsAsync<TransientDeliveryException>(() => Channel().SendAsync(SignedWebhookSamples.Convocation("r"), CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_WrongSigningKey_IsRefusedPermanently()
    {
        await Assert.ThrowsAsync<PermanentDeliveryException>(() => Channel("not-the-key").SendAsync(SignedWebhookSamples.Convocation("k"), CancellationToken.None));

        Assert.False(Assert.Single(_receiver.Requests).SignatureValid);
    }

    [Fact]
    public async Task SendAsync_ReceiverDown_ThrowsTransient()
    {
        var channel = Channel();
        await _receiver.DisposeAsync();

        await Assert.ThrowsAsync<TransientDeliveryException>(() => channel.SendAsync(SignedWebhookSamples.Convocation("down"), CancellationToken.None));
    }

    [Theory]
    [InlineData("http://webhook.mairie.test/hook")]
    [InlineData("ftp://127.0.0.1/hook")]
    [InlineData("/relative")]
    public void Validate_UrlThatIsNotHttpsOrLoopbackHttp_IsRefused(string url)
    {
        var settings = SignedWebhookSamples.Settings(null, SigningKey);
        var withUrl = new ConnectorSettings(settings.InstanceName, settings.AuthorityId, new Dictionary<string, string> { ["url"] = url },
            new Dictionary<string, string> { ["signingKey"] = SigningKey }, settings.PublicBaseUrl);

        var error = Assert.Single(_type.Validate(withUrl));
        Assert.Equal("url", error.Key);
        var thrown = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateChannel(withUrl, new ServiceCollection().BuildServiceProvider()));
        Assert.Equal("connectors:webhook:settings:url", thrown.Path);
    }

    [Fact]
    public void Validate_HttpsUrl_IsAccepted()
    {
        Assert.Empty(_type.Validate(SignedWebhookSamples.Settings(new Uri("https://ged.mairie.test/convocations"), SigningKey)));
    }

    [Fact]
    public async Task TestAsync_ReceiverAccepts_ReportsOkWithoutMemberData()
    {
        var check = await _type.TestAsync(SignedWebhookSamples.Settings(_receiver.Url, SigningKey), new ServiceCollection().BuildServiceProvider(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        var request = Assert.Single(_receiver.Requests);
        Assert.True(request.SignatureValid);
        Assert.Equal("""{"kind":"ping"}""", request.BodyText);
    }

    [Fact]
    public async Task TestAsync_ReceiverFails_ReportsTheAnswer()
    {
        _receiver.FailNext(503);

        var check = await _type.TestAsync(SignedWebhookSamples.Settings(_receiver.Url, SigningKey), new ServiceCollection().BuildServiceProvider(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("503", check.Detail, StringComparison.Ordinal);
    }
}

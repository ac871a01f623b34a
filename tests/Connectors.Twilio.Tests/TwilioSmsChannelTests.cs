using System.Globalization;
using System.Net;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Twilio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class TwilioSmsChannelTests : IAsyncLifetime
{
    private TwilioStandIn _twilio = null!;

    public async Task InitializeAsync() => _twilio = await TwilioStandIn.StartAsync();

    public async Task DisposeAsync() => await _twilio.DisposeAsync();

    [Fact]
    public async Task SendAsync_Accepted_PostsTwilioFormAndReturnsSidAndStatus()
    {
        var receipt = await Channel().SendAsync(TwilioTestData.Sms("convocation-42-marie"), CancellationToken.None);

        var sent = Assert.Single(_twilio.Messages);
        Assert.Equal(sent.Sid, receipt.ProviderMessageId);
        Assert.Matches("^SM[0-9a-f]{32}$", receipt.ProviderMessageId);
        Assert.Equal("queued 201", receipt.ProviderResponse);
        Assert.Equal("+33612345678", sent.To);
        Assert.Equal(TwilioTestData.Sender, sent.Field("From"));
        Assert.Null(sent.Field("MessagingServiceSid"));
        Assert.Equal("Conseil municipal le 12/12 à 18h. Ordre du jour : https://c.example/x", sent.Body);
        Assert.Equal("https://convocations.mairie-exemple.fr/hooks/twilio/status", sent.Field("StatusCallback"));
        Assert.StartsWith("application/x-www-form-urlencoded", sent.Header("Content-Type"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_IdempotencyKey_TravelsInTheHeaderAndNotInTheForm()
    {
        const string key = "delivery-7f3a2c";

        await Channel().SendAsync(TwilioTestData.Sms(key), CancellationToken.None);

        var sent = Assert.Single(_twilio.Messages);
        Assert.Equal(key, sent.IdempotencyToken);
        Assert.DoesNotContain(sent.Form, field => field.Value.Contains(key, StringComparison.Ordinal));
        Assert.Equal(["Body", "From", "StatusCallback", "To"], sent.Form.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SendAsync_ShortTextSet_SendsItInsteadOfTheTextBody()
    {
        var message = TwilioTestData.Sms("short", shortText: "Convocation CM 12/12 18h : https://c.example/x", text: new string('x', 2000));

        await Channel().SendAsync(message, CancellationToken.None);

        Assert.Equal("Convocation CM 12/12 18h : https://c.example/x", Assert.Single(_twilio.Messages).Body);
    }

    [Fact]
    public async Task SendAsync_MessagingService_SendsTheServiceSidWithoutFrom()
    {
        var settings = TwilioTestData.Settings(_twilio, without: ["from"],
            overrides: new Dictionary<string, string> { ["messagingServiceSid"] = TwilioTestData.MessagingServiceSid });

        var receipt = await Channel(settings).SendAsync(TwilioTestData.Sms("service"), CancellationToken.None);

        var sent = Assert.Single(_twilio.Messages);
        Assert.Equal(TwilioTestData.MessagingServiceSid, sent.Field("MessagingServiceSid"));
        Assert.Null(sent.Field("From"));
        Assert.Equal("accepted 201", receipt.ProviderResponse);
    }

    [Fact]
    public async Task SendAsync_FromAndMessagingService_SendsBothSoTwilioUsesThatSenderOfThePool()
    {
        var settings = TwilioTestData.Settings(_twilio,
            overrides: new Dictionary<string, string> { ["messagingServiceSid"] = TwilioTestData.MessagingServiceSid });

        await Channel(settings).SendAsync(TwilioTestData.Sms("both"), CancellationToken.None);

        var sent = Assert.Single(_twilio.Messages);
        Assert.Equal(TwilioTestData.Sender, sent.Field("From"));
        Assert.Equal(TwilioTestData.MessagingServiceSid, sent.Field("MessagingServiceSid"));
    }

    [Fact]
    public async Task SendAsync_FormattedMobile_IsSentInE164()
    {
        await Channel().SendAsync(TwilioTestData.Sms("formatted", mobile: "+33 6 12 34 56 78"), CancellationToken.None);

        Assert.Equal("+33612345678", Assert.Single(_twilio.Messages).To);
    }

    [Theory]
    [InlineData("0612345678")]
    [InlineData("+3361234")]
    [InlineData("+33 6 12 34 56 7x")]
    public async Task SendAsync_InvalidMobile_ThrowsPermanentFlaggingTheAddressAndSendsNothing(string mobile)
    {
        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => Channel().SendAsync(TwilioTestData.Sms("bad-mobile", mobile: mobile), CancellationToken.None));

        Assert.True(error.AddressRejected);
        Assert.Contains("E.164", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _twilio.MessageRequests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public async Task SendAsync_NoMobile_ThrowsPermanentAndSendsNothing(string? mobile)
    {
        await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => Channel().SendAsync(TwilioTestData.Sms("no-mobile", mobile: mobile), CancellationToken.None));

        Assert.Equal(0, _twilio.MessageRequests);
    }

    [Fact]
    public async Task SendAsync_BodyOverTwoParts_ThrowsPermanentAndSendsNothing()
    {
        var threeParts = new string('a', 307);

        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => Channel().SendAsync(TwilioTestData.Sms("too-long", shortText: threeParts), CancellationToken.None));

        Assert.Contains("3 parts", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _twilio.MessageRequests);
    }

    [Fact]
    public async Task SendAsync_UnicodeBodyOverTwoParts_ThrowsPermanent()
    {
        // 135 characters is 2 parts in GSM-7 but 3 in UCS-2: one character outside GSM-7 that has no GSM-7 spelling
        // (French accents and quotes do, SmsSegments.ToGsm7) forces UCS-2.
        var body = "Ж " + new string('a', 133);

        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => Channel().SendAsync(TwilioTestData.Sms("ucs2", shortText: body), CancellationToken.None));

        Assert.Contains("UCS-2", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _twilio.MessageRequests);
    }

    [Fact]
    public async Task SendAsync_BodyOfExactlyTwoParts_IsSent()
    {
        await Channel().SendAsync(TwilioTestData.Sms("two-parts", shortText: new string('a', 306)), CancellationToken.None);

        Assert.Equal(306, Assert.Single(_twilio.Messages).Body.Length);
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfterSeconds_ThrowsTransientWithRetryAfter()
    {
        _twilio.Arrange(TwilioBehaviour.FailWith(429, 20429, retryAfter: "17", message: "Too Many Requests"), times: 1);

        var error = await Assert.ThrowsAsync<TransientDeliveryException>(
            () => Channel().SendAsync(TwilioTestData.Sms("throttled"), CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(17), error.RetryAfter);
        Assert.Equal(1, _twilio.MessageRequests);
        Assert.Empty(_twilio.Messages);
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfterDate_MeasuresTheWaitWithTheTimeProvider()
    {
        var now = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now);
        _twilio.Arrange(TwilioBehaviour.FailWith(429, 20429, retryAfter: now.AddMinutes(2).ToString("r", CultureInfo.InvariantCulture)), times: 1);

        var error = await Assert.ThrowsAsync<TransientDeliveryException>(
            () => Channel(services: Services(clock)).SendAsync(TwilioTestData.Sms("throttled-date"), CancellationToken.None));

        Assert.Equal(TimeSpan.FromMinutes(2), error.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_InvalidToNumber21211_ThrowsPermanentNamingTheCode()
    {
        _twilio.Arrange(TwilioBehaviour.FailWith(400, 21211, message: "Invalid 'To' Phone Number: +33612345678"), times: 1);

        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => Channel().SendAsync(TwilioTestData.Sms("invalid-to"), CancellationToken.None));

        Assert.Contains("21211", error.Message, StringComparison.Ordinal);
        Assert.True(error.AddressRejected);
        var cause = Assert.IsType<TwilioApiException>(error.InnerException);
        Assert.Equal(21211, cause.ErrorCode);
        Assert.Equal("https://www.twilio.com/docs/errors/21211", cause.MoreInfo);
    }

    [Fact]
    public async Task SendAsync_Unsubscribed21610_ThrowsPermanentFlaggingTheAddress()
    {
        _twilio.Arrange(TwilioBehaviour.FailWith(400, 21610, message: "Attempt to send to unsubscribed recipient"), times: 1);

        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => Channel().SendAsync(TwilioTestData.Sms("stop"), CancellationToken.None));

        Assert.Contains("Twilio error 21610", error.Message, StringComparison.Ordinal);
        Assert.True(error.AddressRejected);
    }

    [Fact]
    public async Task SendAsync_WrongToken_ThrowsPermanentWithoutTheToken()
    {
        var settings = TwilioTestData.Settings(_twilio, overrides: new Dictionary<string, string> { ["authToken"] = "wrong-token-value" });

        var error = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => Channel(settings).SendAsync(TwilioTestData.Sms("bad-credentials"), CancellationToken.None));

        Assert.Contains("20003", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token-value", error.ToString(), StringComparison.Ordinal);
        Assert.False(error.AddressRejected);
        Assert.Empty(_twilio.Messages);
    }

    [Fact]
    public async Task SendAsync_ServerError_ThrowsTransientOnceWithoutRetryingItself()
    {
        _twilio.Arrange(TwilioBehaviour.FailWith(500, 20500, message: "Internal Server Error"), times: 1);
        var channel = Channel();

        await Assert.ThrowsAsync<TransientDeliveryException>(() => channel.SendAsync(TwilioTestData.Sms("outage"), CancellationToken.None));
        Assert.Equal(1, _twilio.MessageRequests);

        var receipt = await channel.SendAsync(TwilioTestData.Sms("outage"), CancellationToken.None);
        Assert.Equal(2, _twilio.MessageRequests);
        Assert.Equal(receipt.ProviderMessageId, Assert.Single(_twilio.Messages).Sid);
    }

    [Fact]
    public async Task SendAsync_ConnectionRefused_ThrowsTransient()
    {
        var settings = TwilioTestData.Settings($"http://127.0.0.1:{Ports.FreeTcpPort()}");

        var error = await Assert.ThrowsAsync<TransientDeliveryException>(
            () => Channel(settings).SendAsync(TwilioTestData.Sms("refused"), CancellationToken.None));

        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task SendAsync_TwilioNeverAnswers_TimeoutIsTransient()
    {
        _twilio.Arrange(TwilioBehaviour.Hang);
        var services = new ServiceCollection();
        services.AddHttpClient(TwilioConnectorType.HttpClientName, client => client.Timeout = TimeSpan.FromMilliseconds(300));

        var error = await Record.ExceptionAsync(
            () => Channel(services: services.BuildServiceProvider()).SendAsync(TwilioTestData.Sms("hang"), CancellationToken.None));

        Assert.IsType<TransientDeliveryException>(error);
    }

    [Fact]
    public async Task SendAsync_CallerCancelsWhileTwilioIsAnswering_ThrowsOperationCanceled()
    {
        _twilio.Arrange(TwilioBehaviour.Hang);
        using var cancellation = new CancellationTokenSource();
        var sending = Channel().SendAsync(TwilioTestData.Sms("cancel-in-flight"), cancellation.Token);

        await Eventually.WaitAsync(() => Task.FromResult(_twilio.MessageRequests), n => n == 1, TimeSpan.FromSeconds(10), "the request to reach Twilio");
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }

    [Fact]
    public async Task SendAsync_HttpClientFactory_UsesTheNamedTwilioClient()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(TwilioConnectorType.HttpClientName, client => client.DefaultRequestHeaders.Add("X-Client-Name", "twilio"));

        await Channel(services: services.BuildServiceProvider()).SendAsync(TwilioTestData.Sms("named-client"), CancellationToken.None);

        Assert.Equal("twilio", Assert.Single(_twilio.Messages).Header("X-Client-Name"));
    }

    [Fact]
    public async Task StatusCallback_SignedByTwilio_ValidatesAgainstTheCallbackUrlAndRejectsAForgery()
    {
        await using var hub = await CallbackReceiver.StartAsync(_twilio.AuthToken);
        var settings = TwilioTestData.Settings(_twilio, publicBaseUrl: hub.BaseUrl);
        var receipt = await Channel(settings).SendAsync(TwilioTestData.Sms("callback"), CancellationToken.None);
        var callbackUrl = new Uri(Assert.Single(_twilio.Messages).Field("StatusCallback")!);

        var genuine = await _twilio.SendStatusCallbackAsync(callbackUrl, receipt.ProviderMessageId, "delivered", _twilio.AuthToken,
            extraParameters: [new("ChannelStatusMessage", "added without notice")]);
        var forged = await _twilio.SendStatusCallbackAsync(callbackUrl, receipt.ProviderMessageId, "failed", "another-token", errorCode: "30003");

        Assert.Equal(HttpStatusCode.NoContent, genuine);
        Assert.Equal(HttpStatusCode.Forbidden, forged);
        var accepted = Assert.Single(hub.Accepted);
        Assert.Equal("delivered", accepted["MessageStatus"]);
        Assert.Equal(receipt.ProviderMessageId, accepted["MessageSid"]);
        Assert.Equal(_twilio.AccountSid, accepted["AccountSid"]);
    }

    private IChannel Channel(ConnectorSettings? settings = null, IServiceProvider? services = null) =>
        new TwilioConnectorType().CreateChannel(settings ?? TwilioTestData.Settings(_twilio), services ?? Services(TimeProvider.System));

    private static ServiceProvider Services(TimeProvider clock)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpClient();
        services.AddSingleton(clock);
        return services.BuildServiceProvider();
    }

    /// <summary>The hub's side of a status callback, reduced to the signature check.</summary>
    private sealed class CallbackReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<Dictionary<string, string>> _accepted = [];

        private CallbackReceiver(WebApplication app) => _app = app;

        public Uri BaseUrl => new(_app.Urls.Single() + "/");

        public IReadOnlyList<Dictionary<string, string>> Accepted
        {
            get
            {
                lock (_accepted)
                {
                    return [.. _accepted];
                }
            }
        }

        public static async Task<CallbackReceiver> StartAsync(string authToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var receiver = new CallbackReceiver(builder.Build());
            receiver._app.MapPost("/hooks/twilio/status", async (HttpContext context) =>
            {
                var form = await context.Request.ReadFormAsync();
                var fields = form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString())).ToList();
                // As the hub does behind a proxy: the public URL from configuration, not the request's host.
                var url = receiver.BaseUrl.AbsoluteUri + "hooks/twilio/status";
                if (!TwilioSignature.IsValid(authToken, url, fields, context.Request.Headers[TwilioSignature.HeaderName]))
                {
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                lock (receiver._accepted)
                {
                    receiver._accepted.Add(fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal));
                }

                return Results.NoContent();
            });
            await receiver._app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

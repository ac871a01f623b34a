using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Connectors.Twilio;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Twilio;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>
/// The hub with an authority's own Twilio connector, configured through the API, against a Twilio stand-in; on SQLite and
/// on PostgreSQL (a provider report's status guard is a list condition, written differently for each).
/// </summary>
[Collection(HubHostsGroup.Name)]
public abstract class SmsDispatchTests : IAsyncLifetime
{
    private const string StatusUrl = "http://hub.test/hooks/twilio/status";
    private TwilioStandIn _twilio = null!;
    private HubApp _app = null!;

    protected abstract TestDatabase Database { get; }

    public async Task InitializeAsync()
    {
        _twilio = await TwilioStandIn.StartAsync();
        var extra = new Dictionary<string, string?>();
        for (var i = 0; i < 6; i++)
        {
            extra[$"Hub:Dispatch:RetryDelays:{i}"] = "00:00:00.500";
        }
        _app = await HubApp.StartAsync(Database, extra: extra);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    private async Task<Scenario> ScenarioWithSmsAsync(int members)
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: members);
        var put = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/sms", new
        {
            type = "twilio",
            enabled = true,
            settings = new { accountSid = _twilio.AccountSid, from = "+33644000000", baseUrl = _twilio.BaseUrl.ToString() },
            secrets = new { authToken = _twilio.AuthToken },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return s;
    }

    private Task<JsonElement> WaitForAsync(Guid sessionId, Func<JsonElement, bool> done, string what) =>
        Eventually.WaitAsync(() => _app.Admin.GetOkAsync($"/api/sessions/{sessionId}/convocations"), done, TimeSpan.FromSeconds(30), what);

    private static IEnumerable<JsonElement> Deliveries(JsonElement convocations, string channel) =>
        convocations.EnumerateArray().SelectMany(c => c.GetProperty("deliveries").EnumerateArray()).Where(d => d.GetProperty("channel").GetString() == channel);

    private async Task<HttpResponseMessage> CallbackAsync(string sid, string status, string authToken, string? errorCode = null)
    {
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = _twilio.AccountSid, ["MessageSid"] = sid, ["SmsSid"] = sid, ["MessageStatus"] = status, ["SmsStatus"] = status,
            ["To"] = "+33612340000", ["From"] = "+33644000000", ["ApiVersion"] = "2010-04-01",
        };
        if (errorCode is not null)
        {
            form["ErrorCode"] = errorCode;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/twilio/status") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioStandIn.Sign(authToken, StatusUrl, form));
        using var anonymous = _app.CreateClient(null);
        return await anonymous.SendAsync(request);
    }

    [Fact]
    public async Task Send_WithSmsConnector_EveryMemberGetsEmailAndShortSms()
    {
        var s = await ScenarioWithSmsAsync(members: 2);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = await WaitForAsync(s.SessionId,
            json => json.EnumerateArray().SelectMany(c => c.GetProperty("deliveries").EnumerateArray()).Count(d => d.GetProperty("status").GetString() == "sent") == 4,
            "4 deliveries sent (2 emails, 2 SMS)");

        var sms = Deliveries(convocations, "sms").ToList();
        Assert.Equal(2, sms.Count);
        Assert.All(sms, d => Assert.StartsWith("SM", d.GetProperty("providerMessageId").GetString(), StringComparison.Ordinal));
        var sent = _twilio.Messages.Where(m => m.To.StartsWith("+3361234", StringComparison.Ordinal)).ToList();
        Assert.Equal(["+33612340000", "+33612340001"], sent.Select(m => m.To).Order());
        foreach (var message in sent)
        {
            Assert.Contains("convocation à la séance \"Conseil municipal\" du 26/03/2026 à 18 h 30", message.Body, StringComparison.Ordinal);
            Assert.Contains("http://hub.test/convocations/", message.Body, StringComparison.Ordinal);
            Assert.InRange(SmsSegments.Count(message.Body), 1, 2);
            Assert.Equal(StatusUrl, message.Field("StatusCallback"));
            Assert.Equal("+33644000000", message.Field("From"));
        }
    }

    [Fact]
    public async Task StatusCallback_SignedReportsMoveForwardOnly_ForgedOnesChangeNothing()
    {
        var s = await ScenarioWithSmsAsync(members: 1);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = await WaitForAsync(s.SessionId, json => Deliveries(json, "sms").Any(d => d.GetProperty("status").GetString() == "sent"), "the SMS sent");
        var sid = Deliveries(convocations, "sms").Single().GetProperty("providerMessageId").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await CallbackAsync(sid, "delivered", _twilio.AuthToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await CallbackAsync(sid, "sent", _twilio.AuthToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallbackAsync(sid, "undelivered", "0123456789abcdef0123456789abcdef", "30003")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallbackAsync("SM00000000000000000000000000000000", "delivered", _twilio.AuthToken)).StatusCode);

        var after = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations");
        Assert.Equal("delivered", Deliveries(after, "sms").Single().GetProperty("status").GetString());
    }

    [Fact]
    public async Task TwilioOutage_DeliveriesRetryAndCompleteOnceItRecovers()
    {
        var s = await ScenarioWithSmsAsync(members: 1);
        _twilio.Arrange(TwilioBehaviour.FailWith(503, 20500), times: 2);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = await WaitForAsync(s.SessionId, json => Deliveries(json, "sms").Any(d => d.GetProperty("status").GetString() == "sent"), "the SMS sent after the outage");
        var sms = Deliveries(convocations, "sms").Single();
        Assert.Equal(3, sms.GetProperty("attempts").GetInt32());
        Assert.Single(_twilio.Messages, m => m.To == "+33612340000");
        Assert.Equal(3, _twilio.MessageRequests);
    }

    [Fact]
    public async Task InvalidNumber_SmsFailsForGoodAndIsFlagged_EmailStillDelivered()
    {
        var s = await ScenarioWithSmsAsync(members: 1);
        _twilio.Arrange(TwilioBehaviour.FailWith(400, 21211, message: "The 'To' number is not a valid phone number."), times: 1);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = await WaitForAsync(s.SessionId,
            json => Deliveries(json, "sms").Any(d => d.GetProperty("status").GetString() == "failed") && Deliveries(json, "email").Any(d => d.GetProperty("status").GetString() == "sent"),
            "SMS failed and email sent");
        var sms = Deliveries(convocations, "sms").Single();
        Assert.Equal(1, sms.GetProperty("attempts").GetInt32());
        Assert.Contains("21211", sms.GetProperty("error").GetString(), StringComparison.Ordinal);
        var member = await _app.Admin.GetOkAsync($"/api/members/{s.MemberIds[0]}");
        Assert.Contains("21211", member.GetProperty("mobileProblem").GetString(), StringComparison.Ordinal);
    }
}

public sealed class SmsDispatchSqliteTests : SmsDispatchTests
{
    protected override TestDatabase Database => TestDatabase.Sqlite;
}

public sealed class SmsDispatchPostgresTests : SmsDispatchTests
{
    protected override TestDatabase Database => TestDatabase.Postgres;
}

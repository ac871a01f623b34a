using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Graph;
using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>The hub with an authority's Microsoft 365 connector, configured through the API, against the Graph stand-in.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class CalendarDispatchTests : IAsyncLifetime
{
    private CalendarTestHost _host = null!;
    private GraphStandIn _graph = null!;
    private HubApp _app = null!;
    private SmtpSinkServer _smtp = null!;

    public async Task InitializeAsync()
    {
        _host = await CalendarTestHost.StartAsync();
        (_graph, _app, _smtp) = (_host.Graph, _host.App, _host.Smtp);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<Scenario> ScenarioWithCalendarAsync(int members) => _host.ScenarioWithCalendarAsync(members);

    private static IEnumerable<JsonElement> Deliveries(JsonElement convocations, string channel, string purpose = "convocation") =>
        CalendarTestHost.Deliveries(convocations, channel, purpose);

    private Task<JsonElement> WaitForCalendarAsync(Guid sessionId, int sent, string purpose = "convocation") =>
        _host.WaitForCalendarAsync(sessionId, sent, purpose);

    [Fact]
    public async Task Send_WithMicrosoft365_OneEventForTheSession_ACalendarDeliveryPerMember_AndEmailsWithoutInvitation()
    {
        var s = await ScenarioWithCalendarAsync(members: 2);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        var convocations = await WaitForCalendarAsync(s.SessionId, sent: 2);
        var stored = Assert.Single(_graph.Events);
        Assert.Equal(s.MemberEmails.Order(StringComparer.Ordinal), stored.AttendeeAddresses.Order(StringComparer.Ordinal));
        Assert.Equal($"session-{s.SessionId:N}-v1", stored.TransactionId);
        Assert.Equal("Conseil municipal du jeudi 26 mars 2026 à 18\u00A0h\u00A030", (string?)stored.Body["subject"]);
        Assert.Equal("2026-03-26T18:30:00", (string?)stored.Body["start"]!["dateTime"]);
        Assert.Equal("Europe/Paris", (string?)stored.Body["start"]!["timeZone"]);
        Assert.Equal("Salle du conseil, hôtel de ville", (string?)stored.Body["location"]!["displayName"]);
        Assert.Contains("Subvention à l'école de musique", System.Net.WebUtility.HtmlDecode((string?)stored.Body["body"]!["content"]), StringComparison.Ordinal);
        var post = Assert.Single(_graph.Requests, r => r.Method == "POST" && r.PathAndQuery.EndsWith("/events", StringComparison.Ordinal));
        Assert.Contains("IdType=\"ImmutableId\"", post.Prefer);
        Assert.All(Deliveries(convocations, "calendar"), d =>
        {
            Assert.Equal(stored.Id, d.GetProperty("providerMessageId").GetString());
            Assert.Contains("\"response\":\"none\"", d.GetProperty("providerResponse").GetString(), StringComparison.Ordinal);
        });

        var messages = await _smtp.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        Assert.All(messages, m =>
        {
            Assert.DoesNotContain(m.BodyParts.OfType<TextPart>(), p => p.ContentType.IsMimeType("text", "calendar"));
            Assert.Contains("http://hub.test/convocations/", m.TextBody, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task CalendarSync_OutlookAnswersBecomeAnswers_LatestWins_HistoryKeepsBoth()
    {
        var s = await ScenarioWithCalendarAsync(members: 3);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = await WaitForCalendarAsync(s.SessionId, sent: 3);
        var eventId = Assert.Single(_graph.Events).Id;
        Guid ConvocationOf(int member) => convocations.EnumerateArray()
            .Single(c => c.GetProperty("memberId").GetGuid() == s.MemberIds[member]).GetProperty("convocationId").GetGuid();

        // Member 2 answered in the hub before the sync; their older Outlook response must not replace it.
        await _app.Admin.PostOkAsync($"/api/convocations/{ConvocationOf(2)}/answer", new { attendance = "present" }, 200);
        _graph.SetResponse(eventId, s.MemberEmails[0], "accepted", HubApp.DefaultNow.AddHours(1));
        _graph.SetResponse(eventId, s.MemberEmails[1], "tentativelyAccepted", HubApp.DefaultNow.AddHours(1));
        _graph.SetResponse(eventId, s.MemberEmails[2], "declined", HubApp.DefaultNow.AddDays(-1));

        var result = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/calendar/sync", new { }, 200);
        Assert.Equal(2, result.GetProperty("answersRecorded").GetInt32());

        var after = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations");
        string? Current(int member, string field) => after.EnumerateArray()
            .Single(c => c.GetProperty("memberId").GetGuid() == s.MemberIds[member]).GetProperty("answer").GetProperty(field).GetString();
        Assert.Equal(("present", "outlook"), (Current(0, "attendance"), Current(0, "source")));
        Assert.Equal(("tentative", "outlook"), (Current(1, "attendance"), Current(1, "source")));
        Assert.Equal(("present", "secretariat"), (Current(2, "attendance"), Current(2, "source")));
        Assert.Contains("\"response\":\"declined\"", Deliveries(after, "calendar").Single(d => Current(2, "source") is not null
            && d.GetProperty("providerResponse").GetString()!.Contains(s.MemberEmails[2], StringComparison.Ordinal)).GetProperty("providerResponse").GetString(), StringComparison.Ordinal);
        var quorum = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/quorum");
        Assert.Equal(2, quorum.GetProperty("present").GetInt32());
        Assert.Equal(1, quorum.GetProperty("noAnswer").GetInt32());

        // The secretariat records member 0 absent, then the member declines in Outlook later: the latest wins, both stay.
        await _app.Admin.PostOkAsync($"/api/convocations/{ConvocationOf(0)}/answer", new { attendance = "absent" }, 200);
        _graph.SetResponse(eventId, s.MemberEmails[0], "declined", HubApp.DefaultNow.AddHours(2));
        var again = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/calendar/sync", new { }, 200);
        Assert.Equal(0, again.GetProperty("answersRecorded").GetInt32());
        _graph.SetResponse(eventId, s.MemberEmails[0], "accepted", HubApp.DefaultNow.AddHours(3));
        var third = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/calendar/sync", new { }, 200);
        Assert.Equal(1, third.GetProperty("answersRecorded").GetInt32());

        var history = await _app.Admin.GetOkAsync($"/api/convocations/{ConvocationOf(0)}/answers");
        Assert.Equal(
            [("present", "outlook"), ("absent", "secretariat"), ("present", "outlook")],
            history.EnumerateArray().OrderBy(a => a.GetProperty("recordedAt").GetDateTimeOffset())
                .Select(a => (a.GetProperty("attendance").GetString(), a.GetProperty("source").GetString())));
    }

    [Fact]
    public async Task Cancel_CancelsTheEventWithAFrenchComment()
    {
        var s = await ScenarioWithCalendarAsync(members: 1);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForCalendarAsync(s.SessionId, sent: 1);

        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/cancel", new { reason = "Report à une date ultérieure" }, 200);
        await WaitForCalendarAsync(s.SessionId, sent: 1, purpose: "cancellation");

        var stored = Assert.Single(_graph.Events);
        Assert.True(stored.Cancelled);
        Assert.Equal("La séance est annulée\u00A0: Report à une date ultérieure", stored.CancellationComment);
    }

    [Fact]
    public async Task GraphThrottling_BeyondTheSdkRetries_TheOutboxRetriesAndOneEventIsCreated()
    {
        var s = await ScenarioWithCalendarAsync(members: 2);
        // The SDK's retry handler tries 4 times; the fifth 429 falls on the outbox's second attempt.
        _graph.FailNext(5, retryAfterSeconds: 0);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        var convocations = await WaitForCalendarAsync(s.SessionId, sent: 2);

        Assert.Single(_graph.Events);
        Assert.All(Deliveries(convocations, "calendar"), d => Assert.Equal(2, d.GetProperty("attempts").GetInt32()));
    }

    /// <param name="earlyReadings">
    /// How many of the job's first clock readings come before the rows' time: 1, the due instant passes between the first
    /// row's claim and the second's (the old code took one row and stranded the other); 2, between the claims and the
    /// check "not yet due?" (the old code returned without putting itself back: both rows pending, attempts 1, as in CI).
    /// </param>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task RetryStartingJustBeforeItsRowsAreDue_PutsItselfBack_NoRowWaitsForTheSweeper(int earlyReadings)
    {
        // A host of its own: the outbox's retry comes in 10 minutes and the sweeper every hour, so neither can rescue a
        // row during the test; only the job that finds its rows not yet due can.
        await using var host = await CalendarTestHost.StartAsync(extra: new Dictionary<string, string?>
        {
            ["Hub:Dispatch:RetryDelays:0"] = "00:10:00",
            ["Hub:Dispatch:SweepInterval"] = "01:00:00",
        });
        var s = await host.ScenarioWithCalendarAsync(members: 2);
        host.Graph.FailNext(5, retryAfterSeconds: 0);
        await host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await Eventually.WaitAsync(
            () => host.App.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => Deliveries(json, "calendar").Count(d => d.GetProperty("status").GetString() == "pending" && d.GetProperty("attempts").GetInt32() == 1) == 2,
            TimeSpan.FromSeconds(30), "the first attempt to fail");
        var store = host.App.Services.GetRequiredService<IntegrationHub.Dispatch.DeliveryStore>();
        var convocations = await host.App.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations");
        var due = (await Task.WhenAll(Deliveries(convocations, "calendar").Select(d => store.GetAsync(d.GetProperty("deliveryId").GetGuid(), CancellationToken.None))))
            .Min(d => d!.NextAttemptAt!.Value);
        host.Clock.JumpTo(due + TimeSpan.FromMilliseconds(100));

        // The retry started just before its rows' time (Hangfire keeps whole seconds): its first looks at the clock are a
        // millisecond early, the later ones on time, as when the due instant passes while the job runs.
        using (var scope = host.App.Services.CreateScope())
        {
            var job = ActivatorUtilities.CreateInstance<IntegrationHub.Calendars.CalendarPublishJob>(
                scope.ServiceProvider, new EarlyReadingsClock(host.Clock, due - TimeSpan.FromMilliseconds(1), earlyReadings));
            await job.RunAsync(s.SessionId, CancellationToken.None);
        }

        var sent = await Eventually.WaitAsync(
            () => host.App.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => Deliveries(json, "calendar").All(d => d.GetProperty("status").GetString() == "sent"),
            TimeSpan.FromSeconds(15), "both calendar deliveries sent by the job put back");
        Assert.All(Deliveries(sent, "calendar"), d => Assert.Equal(2, d.GetProperty("attempts").GetInt32()));
        Assert.Single(host.Graph.Events);
    }

    [Fact]
    public async Task SessionChanged_PatchesTheSameEvent()
    {
        var s = await ScenarioWithCalendarAsync(members: 1);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForCalendarAsync(s.SessionId, sent: 1);

        var patched = await _app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { place = "Salle des fêtes" });
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        await WaitForCalendarAsync(s.SessionId, sent: 1, purpose: "update");

        var stored = Assert.Single(_graph.Events);
        Assert.Equal(1, stored.Patches);
        Assert.Equal("Salle des fêtes", (string?)stored.Body["location"]!["displayName"]);
        var patch = Assert.Single(_graph.Requests, r => r.Method == "PATCH");
        Assert.Contains(stored.Id, Uri.UnescapeDataString(patch.PathAndQuery), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeclinedInOutlook_RecordedAbsent_AndOfferedToGiveAProxyByEmail()
    {
        var s = await ScenarioWithCalendarAsync(members: 1);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForCalendarAsync(s.SessionId, sent: 1);
        await _smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30));
        _graph.SetResponse(Assert.Single(_graph.Events).Id, s.MemberEmails[0], "declined", HubApp.DefaultNow.AddHours(1));

        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/calendar/sync", new { }, 200);

        var messages = await _smtp.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        var offer = Assert.Single(messages, m => m.Subject is { } subject && subject.StartsWith("Absence et pouvoir", StringComparison.Ordinal));
        Assert.Equal(s.MemberEmails[0], offer.To.Mailboxes.Single().Address);
        Assert.Contains("donner pouvoir à un collègue", offer.TextBody, StringComparison.Ordinal);
        Assert.Contains("http://hub.test/convocations/", offer.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(offer.BodyParts.OfType<TextPart>(), p => p.ContentType.IsMimeType("text", "calendar"));
        // The sink holds the message before the hub has read the server's answer and recorded it: wait for the record.
        var after = await Eventually.WaitAsync(
            () => _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => Deliveries(json, "email", "proxy-offer").Single().GetProperty("status").GetString() is not ("pending" or "sending"),
            TimeSpan.FromSeconds(30), "the proxy offer's delivery to be recorded");
        var answer = after.EnumerateArray().Single().GetProperty("answer");
        Assert.Equal(("absent", "outlook"), (answer.GetProperty("attendance").GetString(), answer.GetProperty("source").GetString()));
        Assert.Equal("sent", Assert.Single(Deliveries(after, "email", "proxy-offer")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RecurringAnswerJob_ReadsTheAuthoritysEventsInOneBatch_AThrottledStepIsRetried()
    {
        // Under 3,500 inhabitants no note de synthèse is needed (CGCT L2121-12): two sessions are quick to send.
        var s = await _host.ScenarioWithCalendarAsync(members: 1, population: 1200);
        var second = await _app.Admin.PostOkAsync($"/api/assemblies/{s.AssemblyId}/sessions", new
        {
            startsAt = "2026-03-30T18:30", place = "Salle du conseil", items = new[] { new { title = "Compte administratif" } },
        });
        foreach (var sessionId in new[] { s.SessionId, second.Id() })
        {
            await _app.Admin.PostOkAsync($"/api/sessions/{sessionId}/send", new { }, 202);
            await WaitForCalendarAsync(sessionId, sent: 1);
        }
        Assert.Equal(2, _graph.Events.Count);
        foreach (var stored in _graph.Events)
        {
            _graph.SetResponse(stored.Id, s.MemberEmails[0], "accepted", HubApp.DefaultNow.AddHours(1));
        }
        _graph.FailNextBatchSteps(1, retryAfterSeconds: 1);

        await _app.Services.GetRequiredService<IntegrationHub.Calendars.CalendarAnswerSync>().SyncAllAsync(CancellationToken.None);

        var batches = _graph.Requests.Where(r => r.PathAndQuery == "/v1.0/$batch").Select(r => r.Json!["requests"]!.AsArray().Count).ToList();
        Assert.Equal([2, 1], batches);
        Assert.DoesNotContain(_graph.Requests, r => r.Method == "GET" && r.PathAndQuery.Contains("/events/", StringComparison.Ordinal));
        foreach (var sessionId in new[] { s.SessionId, second.Id() })
        {
            var answer = (await _app.Admin.GetOkAsync($"/api/sessions/{sessionId}/convocations")).EnumerateArray().Single().GetProperty("answer");
            Assert.Equal(("present", "outlook"), (answer.GetProperty("attendance").GetString(), answer.GetProperty("source").GetString()));
        }
    }
}

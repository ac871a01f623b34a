using System.Diagnostics;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.TestSupport.Graph;

namespace IntegrationHub.Connectors.Microsoft365.Tests;

public sealed class GraphCalendarPublisherTests : IAsyncLifetime
{
    private static readonly string EventsPath = $"/v1.0/users/{GraphStandIn.DefaultMailbox}/events";
    private GraphStandIn _graph = null!;

    public async Task InitializeAsync() => _graph = await GraphStandIn.StartAsync();

    public async Task DisposeAsync() => await _graph.DisposeAsync();

    [Fact]
    public async Task PublishAsync_New_PostsTheEventAsDocumented()
    {
        var receipt = await Microsoft365TestData.Publisher(_graph).PublishAsync(Microsoft365TestData.Request(), CancellationToken.None);

        var request = Assert.Single(_graph.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(EventsPath, Uri.UnescapeDataString(request.PathAndQuery));
        Assert.Equal($"Bearer {GraphStandIn.DefaultToken}", request.Header("Authorization"));
        Assert.Contains("IdType=\"ImmutableId\"", request.Prefer);
        Assert.Contains("outlook.timezone=\"Europe/Paris\"", request.Prefer);
        var body = request.Json!;
        Assert.Equal("Conseil municipal du 1er décembre 2026", (string?)body["subject"]);
        Assert.Equal("html", (string?)body["body"]!["contentType"]);
        Assert.Contains("Documents de la séance", (string?)body["body"]!["content"], StringComparison.Ordinal);
        Assert.Equal("2026-12-01T18:00:00", (string?)body["start"]!["dateTime"]);
        Assert.Equal("Europe/Paris", (string?)body["start"]!["timeZone"]);
        Assert.Equal("2026-12-01T20:00:00", (string?)body["end"]!["dateTime"]);
        Assert.Equal("Europe/Paris", (string?)body["end"]!["timeZone"]);
        Assert.Equal("Salle du conseil, Hôtel de ville", (string?)body["location"]!["displayName"]);
        Assert.True((bool?)body["responseRequested"]);
        Assert.False((bool?)body["allowNewTimeProposals"]);
        Assert.Equal("session-42-v1", (string?)body["transactionId"]);
        Assert.Null(body["isOnlineMeeting"]);
        var attendees = body["attendees"]!.AsArray();
        // The UPN wins over the personal email address.
        Assert.Equal(["alice.martin@mairie-exemple.fr", "bruno.petit@mairie-exemple.fr"], attendees.Select(a => (string)a!["emailAddress"]!["address"]!));
        Assert.Equal(["Alice Martin", "Bruno Petit"], attendees.Select(a => (string)a!["emailAddress"]!["name"]!));
        Assert.All(attendees, a => Assert.Equal("required", (string?)a!["type"]));

        var stored = Assert.Single(_graph.Events);
        Assert.Equal(stored.Id, receipt.ProviderMessageId);
        Assert.Contains(stored.Id, receipt.ProviderResponse, StringComparison.Ordinal);
        Assert.Contains("iCalUId", receipt.ProviderResponse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_OnlineMeeting_AsksForATeamsMeetingAndReturnsTheJoinUrl()
    {
        var receipt = await Microsoft365TestData.Publisher(_graph).PublishAsync(Microsoft365TestData.Request(online: true), CancellationToken.None);

        var body = Assert.Single(_graph.Requests).Json!;
        Assert.True((bool?)body["isOnlineMeeting"]);
        Assert.Equal("teamsForBusiness", (string?)body["onlineMeetingProvider"]);
        Assert.Contains("teams.microsoft.com/l/meetup-join", receipt.ProviderResponse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_SameIdempotencyKeyTwice_CreatesOneEvent()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);

        var first = await publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None);
        var second = await publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None);

        Assert.Equal(first.ProviderMessageId, second.ProviderMessageId);
        Assert.Single(_graph.Events);
        Assert.Equal(2, _graph.Requests.Count(r => r.Method == "POST"));
        Assert.All(_graph.Requests, r => Assert.Equal("session-42-v1", (string?)r.Json!["transactionId"]));
    }

    [Fact]
    public void PublishAsync_LongIdempotencyKey_UsesAStableHashAsTransactionId()
    {
        var key = "convocation/" + new string('x', 100) + "/é";

        var id = GraphCalendarPublisher.TransactionIdOf(key);

        Assert.Equal(id, GraphCalendarPublisher.TransactionIdOf(key));
        Assert.StartsWith("hub-", id, StringComparison.Ordinal);
        Assert.Equal(44, id.Length);
        Assert.NotEqual(id, GraphCalendarPublisher.TransactionIdOf(key + "2"));
    }

    [Fact]
    public async Task PublishAsync_TimeAndPlaceChanged_PatchesTheWholeEventAndKeepsAnswers()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var eventId = (await publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None)).ProviderMessageId;
        _graph.SetResponse(eventId, "bruno.petit@mairie-exemple.fr", "accepted", TimeProvider.System.GetUtcNow());

        var receipt = await publisher.PublishAsync(
            Microsoft365TestData.Request("session-42-v2", eventId, start: new DateTime(2026, 12, 2, 19, 0, 0, DateTimeKind.Unspecified), location: "Salle des fêtes"),
            CancellationToken.None);

        Assert.Equal(eventId, receipt.ProviderMessageId);
        var requests = _graph.Requests;
        Assert.Equal(["POST", "GET", "PATCH"], requests.Select(r => r.Method));
        var patch = requests[2];
        Assert.Equal($"{EventsPath}/{eventId}", Uri.UnescapeDataString(patch.PathAndQuery));
        Assert.Contains("IdType=\"ImmutableId\"", patch.Prefer);
        Assert.Equal("2026-12-02T19:00:00", (string?)patch.Json!["start"]!["dateTime"]);
        Assert.Equal("Salle des fêtes", (string?)patch.Json!["location"]!["displayName"]);
        Assert.NotNull(patch.Json!["body"]);
        Assert.NotNull(patch.Json!["attendees"]);
        Assert.Null(patch.Json!["transactionId"]);
        var stored = Assert.Single(_graph.Events);
        Assert.Equal(1, stored.Patches);
        Assert.Equal("accepted", (string?)stored.Body["attendees"]!.AsArray().Single(a => (string?)a!["emailAddress"]!["address"] == "bruno.petit@mairie-exemple.fr")!["status"]!["response"]);
    }

    [Fact]
    public async Task PublishAsync_OnlyMembersChanged_PatchesOnlyTheAttendees()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var eventId = (await publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None)).ProviderMessageId;

        await publisher.PublishAsync(
            Microsoft365TestData.Request("session-42-v2", eventId, attendees: [Microsoft365TestData.Alice, Microsoft365TestData.Chloe]),
            CancellationToken.None);

        var patch = _graph.Requests.Single(r => r.Method == "PATCH").Json!;
        Assert.Equal(["attendees"], patch.Select(p => p.Key).Where(k => k != "@odata.type"));
        Assert.Equal(["alice.martin@mairie-exemple.fr", "chloe.durand@mairie-exemple.fr"], Assert.Single(_graph.Events).AttendeeAddresses);
    }

    [Fact]
    public async Task PublishAsync_MembersAndAgendaChanged_SameTimeAndPlace_PatchesTheBodyToo()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var eventId = (await publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None)).ProviderMessageId;
        const string NewAgenda = "<p>Ordre du jour\u00A0: <b>budget primitif</b>, <b>tarifs de la cantine</b></p>";

        await publisher.PublishAsync(
            Microsoft365TestData.Request("session-42-v2", eventId, attendees: [Microsoft365TestData.Alice, Microsoft365TestData.Chloe]) with { HtmlBody = NewAgenda },
            CancellationToken.None);

        var patch = _graph.Requests.Single(r => r.Method == "PATCH").Json!;
        Assert.Equal(["attendees", "body", "end", "location", "start", "subject"], patch.Select(p => p.Key).Where(k => !k.StartsWith('@')).Order(StringComparer.Ordinal));
        Assert.Equal(NewAgenda, (string?)patch["body"]!["content"]);
        var stored = Assert.Single(_graph.Events);
        Assert.Equal(NewAgenda, (string?)stored.Body["body"]!["content"]);
        Assert.Equal(["alice.martin@mairie-exemple.fr", "chloe.durand@mairie-exemple.fr"], stored.AttendeeAddresses);
    }

    [Fact]
    public void VisibleText_IgnoresTheHeadTagsEntitiesAndSpacing()
    {
        Assert.Equal(
            GraphCalendarPublisher.VisibleText("<p>Ordre du jour&nbsp;: <b>budget</b></p>"),
            GraphCalendarPublisher.VisibleText("<html><head><meta charset=\"utf-8\"><title>Titre</title></head><body><div>Ordre du jour\u00A0:\r\n budget</div></body></html>"));
        Assert.NotEqual(GraphCalendarPublisher.VisibleText("<p>budget</p>"), GraphCalendarPublisher.VisibleText("<p>budget, cantine</p>"));
    }

    [Fact]
    public async Task CancelAsync_PostsTheFrenchComment()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var eventId = (await publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None)).ProviderMessageId;

        await publisher.CancelAsync(eventId, "Séance reportée\u00A0: une nouvelle convocation suivra.", CancellationToken.None);

        var request = _graph.Requests[^1];
        Assert.Equal("POST", request.Method);
        Assert.Equal($"{EventsPath}/{eventId}/cancel", Uri.UnescapeDataString(request.PathAndQuery));
        var stored = Assert.Single(_graph.Events);
        Assert.True(stored.Cancelled);
        Assert.Equal("Séance reportée\u00A0: une nouvelle convocation suivra.", stored.CancellationComment);
    }

    [Fact]
    public async Task CancelAsync_EventAlreadyGone_IsDone()
    {
        await Microsoft365TestData.Publisher(_graph).CancelAsync("AAMkGone=", "Séance annulée.", CancellationToken.None);

        Assert.Equal("POST", Assert.Single(_graph.Requests).Method);
    }

    [Fact]
    public async Task ReadAnswersAsync_ReturnsEachAttendeesResponse()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var eventId = (await publisher.PublishAsync(
            Microsoft365TestData.Request(attendees: [Microsoft365TestData.Alice, Microsoft365TestData.Bruno, Microsoft365TestData.Chloe, new("Denis Roux", "denis.roux@mairie-exemple.fr")]),
            CancellationToken.None)).ProviderMessageId;
        var answeredAt = new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero);
        _graph.SetResponse(eventId, "alice.martin@mairie-exemple.fr", "accepted", answeredAt);
        _graph.SetResponse(eventId, "bruno.petit@mairie-exemple.fr", "declined", answeredAt.AddHours(1));
        _graph.SetResponse(eventId, "chloe.durand@mairie-exemple.fr", "tentativelyAccepted", answeredAt.AddHours(2));

        var answers = await publisher.ReadAnswersAsync(eventId, CancellationToken.None);

        Assert.Equal(
            [
                new("alice.martin@mairie-exemple.fr", "accepted", answeredAt),
                new("bruno.petit@mairie-exemple.fr", "declined", answeredAt.AddHours(1)),
                new("chloe.durand@mairie-exemple.fr", "tentativelyAccepted", answeredAt.AddHours(2)),
                new IntegrationHub.Plugins.Calendars.AttendeeAnswer("denis.roux@mairie-exemple.fr", "none", null),
            ],
            answers);
        var read = _graph.Requests[^1];
        Assert.Equal("GET", read.Method);
        Assert.Contains("$select=attendees", Uri.UnescapeDataString(read.PathAndQuery), StringComparison.Ordinal);
        Assert.Contains("IdType=\"ImmutableId\"", read.Prefer);
    }

    [Fact]
    public async Task PublishAsync_Throttled_WaitsRetryAfterThenSucceeds()
    {
        _graph.FailNext(2, retryAfterSeconds: 1);
        var clock = Stopwatch.StartNew();

        await Microsoft365TestData.Publisher(_graph).PublishAsync(Microsoft365TestData.Request(), CancellationToken.None);

        clock.Stop();
        Assert.Single(_graph.Events);
        var requests = _graph.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Null(requests[0].Header("Retry-Attempt"));
        Assert.Equal("1", requests[1].Header("Retry-Attempt"));
        Assert.Equal("2", requests[2].Header("Retry-Attempt"));
        Assert.Single(requests.Select(r => r.Header("client-request-id")).Distinct());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.8), $"retried after {clock.Elapsed}");
    }

    [Fact]
    public async Task PublishAsync_ThrottledBeyondTheRetries_IsTransient()
    {
        _graph.FailNext(10, retryAfterSeconds: 0);

        var e = await Assert.ThrowsAsync<TransientDeliveryException>(
            () => Microsoft365TestData.Publisher(_graph).PublishAsync(Microsoft365TestData.Request(), CancellationToken.None));

        Assert.Contains("create event", e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Events);
    }

    [Fact]
    public async Task PublishAsync_TokenRefused_IsPermanent()
    {
        var publisher = new Microsoft365ConnectorType().CreateCalendarPublisher(
            Microsoft365TestData.Settings(_graph, secrets: new Dictionary<string, string?> { ["staticToken"] = "revoked" }),
            Microsoft365TestData.Services());

        var e = await Assert.ThrowsAsync<PermanentDeliveryException>(() => publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None));

        Assert.Contains("401", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("revoked", e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Events);
    }

    [Fact]
    public async Task ReadAnswersAsync_ManyAtOnce_KeepsAtMostFourRequestsInFlightForTheMailbox()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var eventId = (await publisher.PublishAsync(Microsoft365TestData.Request(), CancellationToken.None)).ProviderMessageId;
        _graph.ResponseDelay = TimeSpan.FromMilliseconds(150);

        // Two publishers of the same mailbox share the limit.
        var other = Microsoft365TestData.Publisher(_graph);
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? publisher : other).ReadAnswersAsync(eventId, CancellationToken.None)));

        Assert.Equal(4, _graph.MaxConcurrentRequests);
    }

    [Fact]
    public async Task SubscribeAsync_NotificationUrlFailsTheHandshake_IsPermanent_AndNoSubscription()
    {
        var feed = (IntegrationHub.Plugins.Calendars.ICalendarChangeNotifications)Microsoft365TestData.Publisher(_graph);
        // Nothing listens on port 9 of the loopback: Graph's validation request fails.
        var request = new IntegrationHub.Plugins.Calendars.CalendarSubscriptionRequest(
            new Uri("http://127.0.0.1:9/graph/notifications"), IntegrationHub.TestSupport.FakeSecrets.Token("client-state"), DateTimeOffset.UtcNow.AddHours(1));

        var e = await Assert.ThrowsAsync<PermanentDeliveryException>(() => feed.SubscribeAsync(request, CancellationToken.None));

        Assert.Contains("400", e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Subscriptions);
        var post = Assert.Single(_graph.Requests);
        Assert.Equal($"users/{GraphStandIn.DefaultMailbox}/events", (string?)post.Json!["resource"]);
    }

    [Fact]
    public async Task RenewAsync_UnknownSubscription_IsPermanent()
    {
        var feed = (IntegrationHub.Plugins.Calendars.ICalendarChangeNotifications)Microsoft365TestData.Publisher(_graph);

        var e = await Assert.ThrowsAsync<PermanentDeliveryException>(() => feed.RenewAsync("0f0e0d0c-0000-4000-8000-000000000000", DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None));

        Assert.Contains("404", e.Message, StringComparison.Ordinal);
        Assert.Equal("PATCH", Assert.Single(_graph.Requests).Method);
    }

    [Fact]
    public async Task PublishAsync_OnlineMeetingChanged_ReadsTheBodyFirst_AndKeepsTheTeamsBlob()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var eventId = (await publisher.PublishAsync(Microsoft365TestData.Request(online: true), CancellationToken.None)).ProviderMessageId;
        var joinUrl = (string)Assert.Single(_graph.Events).Body["onlineMeeting"]!["joinUrl"]!;

        await publisher.PublishAsync(Microsoft365TestData.Request(key: "session-42-v2", eventId: eventId, location: "Salle des fêtes", online: true), CancellationToken.None);

        var get = Assert.Single(_graph.Requests, r => r.Method == "GET");
        Assert.Contains("body", Uri.UnescapeDataString(get.PathAndQuery).Split("$select=")[1].Split(','));
        var patch = Assert.Single(_graph.Requests, r => r.Method == "PATCH").Json!;
        Assert.Equal(["attendees", "body", "end", "location", "start", "subject"], patch.Select(p => p.Key).Where(k => !k.StartsWith('@')).Order(StringComparer.Ordinal));
        var content = (string)patch["body"]!["content"]!;
        Assert.StartsWith("<p>Ordre du jour", content, StringComparison.Ordinal);
        Assert.Contains(joinUrl, content, StringComparison.Ordinal);
        Assert.Contains("Réunion Microsoft Teams", content, StringComparison.Ordinal);
        Assert.Equal(1, content.Split(joinUrl).Length - 1);
        var stored = Assert.Single(_graph.Events);
        Assert.True((bool?)stored.Body["isOnlineMeeting"]);
        Assert.Equal("Salle des fêtes", (string?)stored.Body["location"]!["displayName"]);
    }

    [Fact]
    public void TeamsBlob_FromTheRuleBeforeTheJoinLinkToTheEndOfTheBody()
    {
        const string Rule = "<div><span>________________________________________</span></div>";
        var html = "<html><body><p>Ordre du jour</p><p>________________</p>" + Rule
            + "<div><a href=\"https://teams.microsoft.com/l/meetup-join/19%3ameeting\">Rejoindre</a></div>" + Rule + "</body></html>";

        var blob = GraphCalendarPublisher.TeamsBlob(html);

        Assert.Equal(Rule + "<div><a href=\"https://teams.microsoft.com/l/meetup-join/19%3ameeting\">Rejoindre</a></div>" + Rule, blob);
        Assert.Null(GraphCalendarPublisher.TeamsBlob("<html><body><p>Pas de réunion</p></body></html>"));
        Assert.Equal("<html><body><p>Nouveau</p>" + blob + "</body></html>", GraphCalendarPublisher.WithBlob("<html><body><p>Nouveau</p></body></html>", blob!));
    }

    [Fact]
    public async Task ReadAnswersAsync_Batch_AStepThrottled_IsSentAgainAfterRetryAfter_AndEveryEventIsRead()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var ids = await PublishEventsAsync(publisher, 3);
        _graph.SetResponse(ids[1], "bruno.petit@mairie-exemple.fr", "declined", new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero));
        _graph.FailNextBatchSteps(1, retryAfterSeconds: 1);
        var clock = Stopwatch.StartNew();

        var read = await ((IntegrationHub.Plugins.Calendars.ICalendarBatchReader)publisher).ReadAnswersAsync([.. ids, ids[0]], CancellationToken.None);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"waited {clock.Elapsed}");
        Assert.Equal(ids, read.Select(r => r.ProviderEventId));
        Assert.All(read, r => Assert.Null(r.Failure));
        Assert.Equal("declined", read[1].Answers!.Single(a => a.Address == "bruno.petit@mairie-exemple.fr").Response);
        var batches = _graph.Requests.Where(r => r.Method == "POST" && r.PathAndQuery == "/v1.0/$batch").ToList();
        Assert.Equal(2, batches.Count);
        var first = batches[0].Json!["requests"]!.AsArray();
        Assert.Equal(3, first.Count);
        Assert.All(first, step =>
        {
            Assert.Equal("GET", (string?)step!["method"]);
            Assert.StartsWith($"/users/{GraphStandIn.DefaultMailbox}/events/", Uri.UnescapeDataString((string)step["url"]!), StringComparison.Ordinal);
            Assert.Contains("$select=attendees,iCalUId", Uri.UnescapeDataString((string)step["url"]!), StringComparison.Ordinal);
        });
        // The stand-in throttled the first step it answered (it answers in reverse order): only that event is read again.
        var again = Assert.Single(batches[1].Json!["requests"]!.AsArray());
        Assert.Equal((string?)first[^1]!["url"], (string?)again!["url"]);
        Assert.DoesNotContain(_graph.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task ReadAnswersAsync_Batch_MoreThanTwentyEvents_SplitIntoBatchesOfTwenty()
    {
        var publisher = Microsoft365TestData.Publisher(_graph);
        var ids = await PublishEventsAsync(publisher, 21);

        var read = await ((IntegrationHub.Plugins.Calendars.ICalendarBatchReader)publisher).ReadAnswersAsync(ids, CancellationToken.None);

        Assert.Equal(21, read.Count(r => r.Answers is { Count: 2 }));
        Assert.Equal([20, 1], _graph.Requests.Where(r => r.PathAndQuery == "/v1.0/$batch").Select(r => r.Json!["requests"]!.AsArray().Count));
    }

    private static async Task<List<string>> PublishEventsAsync(IntegrationHub.Plugins.Calendars.ICalendarPublisher publisher, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await publisher.PublishAsync(Microsoft365TestData.Request(key: $"session-{i}-v1"), CancellationToken.None)).ProviderMessageId);
        }

        return ids;
    }
}

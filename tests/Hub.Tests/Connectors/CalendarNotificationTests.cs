using System.Globalization;
using System.Text.Json;
using IntegrationHub.Calendars;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Graph;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>Graph change notifications: subscription with its handshake, clientState check, answers imported, renewal.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class CalendarNotificationTests : IAsyncLifetime
{
    private CalendarTestHost _host = null!;

    public async Task InitializeAsync() => _host = await CalendarTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task NotificationEndpoint_ValidationToken_EchoedDecodedAsPlainText()
    {
        using var anonymous = _host.App.CreateClient(null);

        using var response = await anonymous.PostAsync(
            new Uri("/graph/notifications?validationToken=Validation%3A%20Testing%20client%20application%20reachability%2Bx", UriKind.Relative),
            new StringContent("", System.Text.Encoding.UTF8, "text/plain"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Validation: Testing client application reachability+x", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task NotificationEndpoint_ValidationTokenLongerThan1024_IsRefusedWithoutEcho()
    {
        using var anonymous = _host.App.CreateClient(null);

        using var response = await anonymous.PostAsync(
            new Uri("/graph/notifications?validationToken=" + new string('a', 1025), UriKind.Relative), new StringContent("", System.Text.Encoding.UTF8, "text/plain"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.DoesNotContain("aaaa", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CreatesOneSubscriptionForTheOrganiserCalendar_AfterTheHandshake()
    {
        var s = await _host.ScenarioWithCalendarAsync(members: 2);

        await _host.SendAndSubscribeAsync(s, members: 2);

        var post = Assert.Single(_host.Graph.Requests, r => r.Method == "POST" && r.PathAndQuery == "/v1.0/subscriptions");
        var body = post.Json!;
        Assert.Equal("updated", (string?)body["changeType"]);
        Assert.Equal($"users/{CalendarTestHost.Mailbox}/events", (string?)body["resource"]);
        Assert.Equal("http://hub.test/graph/notifications", (string?)body["notificationUrl"]);
        var clientState = (string)body["clientState"]!;
        Assert.InRange(clientState.Length, 32, 128);
        var expires = DateTimeOffset.Parse((string)body["expirationDateTime"]!, CultureInfo.InvariantCulture);
        var now = _host.Clock.GetUtcNow();
        Assert.InRange(expires, now.AddMinutes(4000), now + GraphStandIn.MaxSubscriptionLifetime);
        Assert.Contains("IdType=\"ImmutableId\"", post.Prefer);
        var handshake = Assert.Single(_host.Graph.OutboundCalls);
        Assert.StartsWith("/graph/notifications?validationToken=", handshake.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(200, handshake.Status);
        Assert.Equal(handshake.Body, handshake.ResponseBody);
        // The secret is never logged.
        Assert.DoesNotContain(_host.App.Logs.Lines, l => l.Contains(clientState, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Notification_WrongClientState_Rejected_ThenTheRightOne_ImportsTheAnswer()
    {
        var s = await _host.ScenarioWithCalendarAsync(members: 1);
        var eventId = await _host.SendAndSubscribeAsync(s, members: 1);
        _host.Graph.SetResponse(eventId, s.MemberEmails[0], "declined", HubApp.DefaultNow.AddHours(1));
        var reads = () => _host.Graph.Requests.Count(r => r.Method == "GET" && Uri.UnescapeDataString(r.PathAndQuery).Contains(eventId, StringComparison.Ordinal));

        var forged = await _host.Graph.NotifyChangeAsync(eventId, clientState: "forged-" + new string('x', 36));

        Assert.Equal([403], forged);
        Assert.Contains(_host.App.Logs.Lines, l => l.Contains("Rejected a calendar change notification", StringComparison.Ordinal));
        Assert.Equal(0, reads());

        var genuine = await _host.Graph.NotifyChangeAsync(eventId);

        Assert.Equal([202], genuine);
        var after = await Eventually.WaitAsync(
            () => _host.App.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().Single().GetProperty("answer").ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(30), "the Outlook answer imported");
        var answer = after.EnumerateArray().Single().GetProperty("answer");
        Assert.Equal(("absent", "outlook"), (answer.GetProperty("attendance").GetString(), answer.GetProperty("source").GetString()));
        // Only the genuine notification made the hub read the event.
        Assert.Equal(1, reads());
    }

    [Fact]
    public async Task Renewal_PastHalfItsLifetime_PatchesTheSubscription_NotBefore()
    {
        var s = await _host.ScenarioWithCalendarAsync(members: 1);
        await _host.SendAndSubscribeAsync(s, members: 1);
        var created = Assert.Single(_host.Graph.Subscriptions);
        var renewals = _host.App.Services.GetRequiredService<CalendarSubscriptions>();

        await renewals.RenewAsync(CancellationToken.None);
        Assert.Equal(0, Assert.Single(_host.Graph.Subscriptions).Renewals);

        _host.Clock.Advance(TimeSpan.FromHours(36));
        await renewals.RenewAsync(CancellationToken.None);

        var renewed = Assert.Single(_host.Graph.Subscriptions);
        Assert.Equal(created.Id, renewed.Id);
        Assert.Equal(1, renewed.Renewals);
        var patch = Assert.Single(_host.Graph.Requests, r => r.Method == "PATCH");
        Assert.Equal($"/v1.0/subscriptions/{created.Id}", patch.PathAndQuery);
        Assert.Equal(["expirationDateTime"], patch.Json!.Select(p => p.Key).Where(k => !k.StartsWith('@')));
        Assert.True(renewed.ExpiresAt > created.ExpiresAt.AddHours(35));
        // Still notified after the renewal.
        Assert.Equal([202], await _host.Graph.NotifyChangeAsync(Assert.Single(_host.Graph.Events).Id));
    }

    [Fact]
    public async Task OnPostgreSql_SubscriptionStored_NotificationAccepted_AndRenewed()
    {
        await using var host = await CalendarTestHost.StartAsync(TestDatabase.Postgres);
        var s = await host.ScenarioWithCalendarAsync(members: 1);
        var eventId = await host.SendAndSubscribeAsync(s, members: 1);
        host.Graph.SetResponse(eventId, s.MemberEmails[0], "accepted", HubApp.DefaultNow.AddHours(1));

        Assert.Equal([403], await host.Graph.NotifyChangeAsync(eventId, clientState: "forged-" + new string('y', 36)));
        Assert.Equal([202], await host.Graph.NotifyChangeAsync(eventId));

        await Eventually.WaitAsync(
            () => host.App.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().Single().GetProperty("answer") is { ValueKind: JsonValueKind.Object } answer
                && answer.GetProperty("attendance").GetString() == "present",
            TimeSpan.FromSeconds(30), "the Outlook answer imported");
        host.Clock.Advance(TimeSpan.FromHours(36));
        await host.App.Services.GetRequiredService<CalendarSubscriptions>().RenewAsync(CancellationToken.None);
        Assert.Equal(1, Assert.Single(host.Graph.Subscriptions).Renewals);
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>Members entering or leaving office after the send join or leave the session's calendar event.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class CalendarAttendeeTests : IAsyncLifetime
{
    private CalendarTestHost _host = null!;

    public async Task InitializeAsync() => _host = await CalendarTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(Guid Id, string Email)> ReplaceSeatAsync(Scenario s, int leaving)
    {
        var email = $"nouvel.elu@{s.AuthorityId:N}.example.org";
        var member = await _host.App.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/members", new { firstName = "Nouvel", lastName = "Élu", email });
        // The leaving member's seat ends before the meeting; the new member's starts before it.
        var seats = await _host.App.Admin.PutAsJsonAsync($"/api/assemblies/{s.AssemblyId}/seats", s.MemberIds
            .Select((id, i) => new { memberId = id, from = "2026-01-01", to = i == leaving ? "2026-03-15" : (string?)null })
            .Append(new { memberId = member.Id(), from = "2026-03-16", to = (string?)null }));
        Assert.True(seats.IsSuccessStatusCode, await seats.Content.ReadAsStringAsync());
        return (member.Id(), email);
    }

    private Task<IReadOnlyList<string>> WaitForAttendeesAsync(params string[] expected) =>
        Eventually.WaitAsync(
            () => Task.FromResult(Assert.Single(_host.Graph.Events).AttendeeAddresses),
            a => a.Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal)),
            TimeSpan.FromSeconds(30), "the event's attendees: " + string.Join(", ", expected));

    [Fact]
    public async Task CalendarSync_AfterSeatsChanged_AddsTheNewMember_AndRemovesTheOneWhoLeft()
    {
        var s = await _host.ScenarioWithCalendarAsync(members: 2);
        await _host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await _host.WaitForCalendarAsync(s.SessionId, sent: 2);
        var (newMember, newEmail) = await ReplaceSeatAsync(s, leaving: 1);

        var result = await _host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/calendar/sync", new { }, 200);

        Assert.Equal((1, 1), (result.GetProperty("membersAdded").GetInt32(), result.GetProperty("membersRemoved").GetInt32()));
        await WaitForAttendeesAsync(s.MemberEmails[0], newEmail);
        var convocations = await _host.WaitForCalendarAsync(s.SessionId, sent: 2);
        var eventId = Assert.Single(_host.Graph.Events).Id;
        JsonElement CalendarOf(Guid member) => convocations.EnumerateArray().Single(c => c.GetProperty("memberId").GetGuid() == member)
            .GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("channel").GetString() == "calendar" && d.GetProperty("purpose").GetString() == "convocation");
        Assert.Equal(eventId, CalendarOf(newMember).GetProperty("providerMessageId").GetString());
        Assert.Equal("superseded", CalendarOf(s.MemberIds[1]).GetProperty("status").GetString());
        // Exchange tells only the members who changed: the PATCH carries the attendees alone.
        var patch = Assert.Single(_host.Graph.Requests, r => r.Method == "PATCH" && r.PathAndQuery.Contains("/events/", StringComparison.Ordinal)).Json!;
        Assert.Equal(["attendees"], patch.Select(p => p.Key).Where(k => !k.StartsWith('@')));

        // Nothing changed since: a second sync reconciles nothing.
        var again = await _host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/calendar/sync", new { }, 200);
        Assert.Equal((0, 0), (again.GetProperty("membersAdded").GetInt32(), again.GetProperty("membersRemoved").GetInt32()));
    }

    [Fact]
    public async Task SessionChanged_AfterAMemberLeftOffice_TheEventLosesThem()
    {
        var s = await _host.ScenarioWithCalendarAsync(members: 2);
        await _host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await _host.WaitForCalendarAsync(s.SessionId, sent: 2);
        var (_, newEmail) = await ReplaceSeatAsync(s, leaving: 0);

        var moved = await _host.App.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { place = "Salle des fêtes" });
        Assert.True(moved.IsSuccessStatusCode, await moved.Content.ReadAsStringAsync());

        await WaitForAttendeesAsync(s.MemberEmails[1], newEmail);
        Assert.Equal("Salle des fêtes", (string?)Assert.Single(_host.Graph.Events).Body["location"]!["displayName"]);
    }

    [Fact]
    public async Task TwoSyncsAtOnce_OnPostgres_AddTheNewMemberOnce()
    {
        await _host.DisposeAsync();
        _host = await CalendarTestHost.StartAsync(TestDatabase.Postgres);
        var s = await _host.ScenarioWithCalendarAsync(members: 2);
        await _host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await _host.WaitForCalendarAsync(s.SessionId, sent: 2);
        var (newMember, newEmail) = await ReplaceSeatAsync(s, leaving: 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            _host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/calendar/sync", new { }, 200)));

        // The second waited for the first's transaction and found the member already on the event.
        Assert.Equal(1, results.Sum(r => r.GetProperty("membersAdded").GetInt32()));
        await WaitForAttendeesAsync(s.MemberEmails[0], newEmail);
        var convocations = await _host.WaitForCalendarAsync(s.SessionId, sent: 2);
        var ofNewMember = Assert.Single(convocations.EnumerateArray(), c => c.GetProperty("memberId").GetGuid() == newMember);
        Assert.Single(ofNewMember.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("channel").GetString() == "calendar");
    }
}

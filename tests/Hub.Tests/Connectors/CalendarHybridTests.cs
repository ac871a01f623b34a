using System.Net.Http.Json;
using IntegrationHub.Tests.Infrastructure;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>Hybrid sessions (videoconference): only where the law allows them, a Teams meeting on the event, its blob kept on change.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class CalendarHybridTests : IAsyncLifetime
{
    private CalendarTestHost _host = null!;

    public async Task InitializeAsync() => _host = await CalendarTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("commune", "1er août 2022")]
    [InlineData("departement", "n'est pas confirmé")]
    public async Task Hybrid_WhereTheLawDoesNotAllowIt_Refused400InFrench_CitingTheArticles(string kind, string reason)
    {
        var s = await Scenario.CreateAsync(_host.App.Admin, members: 1, kind: kind);

        var patch = await _host.App.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { hybrid = true });
        var created = await _host.App.Admin.PostAsJsonAsync($"/api/assemblies/{s.AssemblyId}/sessions", new
        {
            startsAt = "2026-03-27T18:30", place = "Salle du conseil", hybrid = true, items = new[] { new { title = "Budget" } },
        });

        foreach (var response in new[] { patch, created })
        {
            Assert.Equal(400, (int)response.StatusCode);
            var detail = (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("hybrid")[0].GetString()!;
            Assert.Contains(reason, detail, StringComparison.Ordinal);
            Assert.Contains("L5211-11-1", detail, StringComparison.Ordinal);
            Assert.Contains("L4132-9-1", detail, StringComparison.Ordinal);
        }
        Assert.False((await _host.App.Admin.GetOkAsync($"/api/sessions/{s.SessionId}")).GetProperty("hybrid").GetBoolean());
    }

    [Fact]
    public async Task Hybrid_Epci_EventIsATeamsMeeting_ConvocationSaysSo_AndAChangeKeepsTheJoinBlob()
    {
        var s = await _host.ScenarioWithCalendarAsync(members: 1, kind: "epci");
        var hybrid = await _host.App.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { hybrid = true });
        Assert.True(hybrid.IsSuccessStatusCode, await hybrid.Content.ReadAsStringAsync());
        await _host.App.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await _host.WaitForCalendarAsync(s.SessionId, sent: 1);

        var create = Assert.Single(_host.Graph.Requests, r => r.Method == "POST" && r.PathAndQuery.EndsWith("/events", StringComparison.Ordinal)).Json!;
        Assert.True((bool?)create["isOnlineMeeting"]);
        Assert.Equal("teamsForBusiness", (string?)create["onlineMeetingProvider"]);
        var joinUrl = (string)Assert.Single(_host.Graph.Events).Body["onlineMeeting"]!["joinUrl"]!;
        var email = Assert.Single(await _host.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains("par visioconférence (CGCT, art. L5211-11-1)", email.TextBody, StringComparison.Ordinal);

        var moved = await _host.App.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { place = "Siège de la communauté" });
        Assert.True(moved.IsSuccessStatusCode, await moved.Content.ReadAsStringAsync());
        await _host.WaitForCalendarAsync(s.SessionId, sent: 1, purpose: "update");

        var patch = Assert.Single(_host.Graph.Requests, r => r.Method == "PATCH" && r.PathAndQuery.Contains("/events/", StringComparison.Ordinal)).Json!;
        var content = System.Net.WebUtility.HtmlDecode((string)patch["body"]!["content"]!);
        Assert.Contains("Siège de la communauté", content, StringComparison.Ordinal);
        Assert.Contains(joinUrl, content, StringComparison.Ordinal);
        var stored = Assert.Single(_host.Graph.Events);
        Assert.True((bool?)stored.Body["isOnlineMeeting"]);
        Assert.Equal(joinUrl, (string?)stored.Body["onlineMeeting"]!["joinUrl"]);
    }
}

using System.Net;
using System.Net.Http.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Sessions;

[Collection(HubHostsGroup.Name)]
public sealed class SqliteAgendaChangeAfterSendingTests() : AgendaChangeAfterSendingTests(TestDatabase.Sqlite);

[Collection(HubHostsGroup.Name)]
public sealed class PostgresAgendaChangeAfterSendingTests() : AgendaChangeAfterSendingTests(TestDatabase.Postgres);

/// <summary>
/// LEGAL.md §1–§2: a question added after sending is itself convened at that moment and must leave the delay. Each
/// test has a host of its own, whose clock it moves forward.
/// </summary>
public abstract class AgendaChangeAfterSendingTests(TestDatabase database)
{
    // Meeting Thursday 26 March 2026, commune ≥ 3,500: 5 jours francs (L2121-12), latest sending Friday 20 March.
    private static readonly DateTimeOffset LastLawfulEvening = new(2026, 3, 20, 22, 30, 0, TimeSpan.Zero); // 23:30 Paris
    private static readonly DateTimeOffset DayAfter = new(2026, 3, 20, 23, 30, 0, TimeSpan.Zero); // 00:30 Paris, 21 March

    [Fact]
    public async Task Patch_ItemAddedOnTheLastLawfulDay_IsSentAsAModification()
    {
        await using var app = await HubApp.StartAsync(database);
        var (s, items) = await SentSessionAsync(app);
        Clock(app).JumpTo(LastLawfulEvening);

        var patched = await app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { items = items.Append(new { title = "Motion pour la gare" }) });

        var session = await patched.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(3, session.GetProperty("items").GetArrayLength());
        Assert.Equal(2, session.GetProperty("version").GetInt32());
        var versions = await app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/versions");
        Assert.Contains("question ajoutée : Motion pour la gare", versions.EnumerateArray().Last().GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_ItemAddedTheDayAfter_IsRefusedAsLateButWordingAndPlaceStillChange()
    {
        await using var app = await HubApp.StartAsync(database);
        var (s, items) = await SentSessionAsync(app);
        Clock(app).JumpTo(DayAfter);

        var late = await app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { items = items.Append(new { title = "Motion pour la gare" }) });

        var problem = await late.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, late.StatusCode);
        Assert.EndsWith("/late", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal("2026-03-20", problem.GetProperty("latestSendDate").GetString());
        Assert.Equal("2026-03-21", problem.GetProperty("sendDate").GetString());
        Assert.Contains("L2121-12", problem.GetProperty("ruleSource").GetString(), StringComparison.Ordinal);
        Assert.Contains("Motion pour la gare", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}")).GetProperty("version").GetInt32());

        // Rewording an item named by its id, and moving the place, add no question: still the ordinary update.
        var reworded = new[] { new { id = (Guid?)s.Session.GetProperty("items")[0].GetProperty("id").GetGuid(), title = "Budget primitif 2026 (budget principal)" }, new { id = (Guid?)null, title = "Subvention à l'école de musique" } };
        var changed = await app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { place = "Salle des fêtes", items = reworded });
        var session = await changed.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("Budget primitif 2026 (budget principal)", session.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.Equal(s.Session.GetProperty("items")[0].GetProperty("id").GetGuid(), session.GetProperty("items")[0].GetProperty("id").GetGuid());
        Assert.Equal(2, session.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Patch_ItemAddedLateUnderDeclaredUrgency_IsAcceptedWithinTheUrgencyDelay()
    {
        await using var app = await HubApp.StartAsync(database);
        var (s, items) = await SentSessionAsync(app);
        Clock(app).JumpTo(DayAfter);

        var patched = await app.Admin.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new
        {
            urgent = true, urgencyReason = "Fermeture annoncée de la gare", items = items.Append(new { title = "Motion pour la gare" }),
        });

        var session = await patched.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Vote sur l'urgence", session.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.Equal(4, session.GetProperty("items").GetArrayLength());
    }

    private static ShiftedTimeProvider Clock(HubApp app) => (ShiftedTimeProvider)app.Services.GetRequiredService<TimeProvider>();

    private static async Task<(Scenario Scenario, IEnumerable<object> Items)> SentSessionAsync(HubApp app)
    {
        var s = await Scenario.CreateAsync(app.Admin, members: 2);
        await app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var items = s.Session.GetProperty("items").EnumerateArray().Select(i => (object)new { title = i.GetProperty("title").GetString() }).ToList();
        return (s, items);
    }
}

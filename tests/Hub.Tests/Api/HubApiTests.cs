using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using MimeKit;
using Xunit;

namespace IntegrationHub.Tests.Api;

/// <summary>One fixture (one hub host) per database engine; every test builds its own authority, so tests stay independent.</summary>
public sealed class HubAppFixture<TEngine> : IAsyncLifetime where TEngine : IEngine
{
    public HubApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await HubApp.StartAsync(TEngine.Database);

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public interface IEngine
{
    static abstract TestDatabase Database { get; }
}

public sealed class SqliteEngine : IEngine
{
    public static TestDatabase Database => TestDatabase.Sqlite;
}

public sealed class PostgresEngine : IEngine
{
    public static TestDatabase Database => TestDatabase.Postgres;
}

[Collection(HubHostsGroup.Name)]
public sealed class SqliteHubApiTests(HubAppFixture<SqliteEngine> fixture) : HubApiTests(fixture.App), IClassFixture<HubAppFixture<SqliteEngine>>;

[Collection(HubHostsGroup.Name)]
public sealed class PostgresHubApiTests(HubAppFixture<PostgresEngine> fixture) : HubApiTests(fixture.App), IClassFixture<HubAppFixture<PostgresEngine>>;

public abstract class HubApiTests(HubApp app)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private HttpClient Client => app.Admin;

    [Fact]
    public async Task Health_HubStarted_Returns200AndServesOpenApi()
    {
        using var anonymous = app.CreateClient(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        var openApi = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Contains("/api/sessions/{sessionId}/send", await openApi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var docs = await anonymous.GetAsync("/docs/");
        Assert.True(docs.IsSuccessStatusCode, $"/docs/ → {docs.StatusCode}");
        Assert.Contains("text/html", docs.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TimelySession_DeliversOneEmailPerMemberAndForecastsQuorum()
    {
        var s = await Scenario.CreateAsync(Client, members: 3);
        Assert.Equal("2026-03-20", s.Session.GetProperty("latestSendDate").GetString());

        var sent = await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        Assert.Equal(3, sent.GetProperty("convocations").GetInt32());
        Assert.Equal(3, sent.GetProperty("deliveries").GetInt32());

        var convocations = await WaitForStatusAsync(s.SessionId, "sent", 3);
        foreach (var c in convocations.EnumerateArray())
        {
            var delivery = c.GetProperty("deliveries")[0];
            Assert.Equal("email", delivery.GetProperty("channel").GetString());
            Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
            Assert.StartsWith("delivery-", delivery.GetProperty("providerMessageId").GetString(), StringComparison.Ordinal);
        }
        var emails = app.Outbox().Where(m => m.To.Mailboxes.Any(a => s.MemberEmails.Contains(a.Address))).ToList();
        Assert.Equal(3, emails.Count);
        Assert.Equal(s.MemberEmails.Order(), emails.Select(m => m.To.Mailboxes.Single().Address).Order());
        Assert.Contains("ordre du jour", emails[0].TextBody, StringComparison.OrdinalIgnoreCase);

        var ids = convocations.EnumerateArray().Select(c => c.GetProperty("convocationId").GetGuid()).ToList();
        await Client.PostOkAsync($"/api/convocations/{ids[0]}/answer", new { attendance = "present" }, 200);
        var quorum = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/quorum");
        Assert.Equal(3, quorum.GetProperty("membersInOffice").GetInt32());
        Assert.Equal(2, quorum.GetProperty("quorum").GetInt32());
        Assert.Equal("atRisk", quorum.GetProperty("forecast").GetString());
        await Client.PostOkAsync($"/api/convocations/{ids[1]}/answer", new { attendance = "present" }, 200);
        await Client.PostOkAsync($"/api/convocations/{ids[2]}/answer", new { attendance = "proxy", proxyHolderMemberId = s.MemberIds[0] }, 200);
        quorum = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/quorum");
        Assert.Equal(2, quorum.GetProperty("present").GetInt32());
        Assert.Equal(1, quorum.GetProperty("proxies").GetInt32());
        Assert.Equal(0, quorum.GetProperty("noAnswer").GetInt32());
        Assert.Equal("reached", quorum.GetProperty("forecast").GetString());
    }

    [Fact]
    public async Task Send_Twice_SecondIsConflict()
    {
        var s = await Scenario.CreateAsync(Client, members: 1);
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var second = await Client.PostAsync($"/api/sessions/{s.SessionId}/send", null);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Single((await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations")).EnumerateArray());
    }

    [Fact]
    public async Task Send_AfterLatestLawfulDate_IsRefusedAsLate()
    {
        // Meeting Friday 13 March, commune ≥ 3,500: 5 jours francs → latest Saturday 7 March; today is 10 March.
        var s = await Scenario.CreateAsync(Client, members: 2, startsAt: "2026-03-13T18:30");
        var response = await Client.PostAsync($"/api/sessions/{s.SessionId}/send", null);
        var problem = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.EndsWith("/late", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal("2026-03-07", problem.GetProperty("latestSendDate").GetString());
        Assert.Contains("urgence", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations")).EnumerateArray());
    }

    [Fact]
    public async Task Send_UrgentWithReason_IsAcceptedWithUrgencyVoteFirst()
    {
        // Urgency: one jour franc → meeting 13 March allows sending until 11 March.
        var s = await Scenario.CreateAsync(Client, members: 2, startsAt: "2026-03-13T18:30", urgent: true);
        Assert.Equal("2026-03-11", s.Session.GetProperty("latestSendDate").GetString());
        Assert.Equal("Vote sur l'urgence", s.Session.GetProperty("items")[0].GetProperty("title").GetString());
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForStatusAsync(s.SessionId, "sent", 2);
        var email = app.Outbox().First(m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[0]));
        Assert.Contains("urgence", email.Subject, StringComparison.Ordinal);
        Assert.Contains("Sinistre sur la voirie communale", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_UrgencyDeclaredLater_PutsTheUrgencyVoteFirst()
    {
        var s = await Scenario.CreateAsync(Client, members: 1);
        var response = await Client.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { urgent = true, urgencyReason = "Intempéries" });
        var session = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Vote sur l'urgence", session.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.Equal(3, session.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task CreateSession_UrgentWithoutReason_IsRejectedInFrench()
    {
        var s = await Scenario.CreateAsync(Client, members: 1);
        var response = await Client.PostAsJsonAsync($"/api/assemblies/{s.AssemblyId}/sessions", new
        {
            startsAt = "2026-03-26T18:30", place = "Mairie", urgent = true, items = new[] { new { title = "Budget" } },
        });
        var problem = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("motif de l'urgence", problem.GetProperty("errors").GetProperty("urgencyReason")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSession_NonexistentParisTime_IsRejected()
    {
        var s = await Scenario.CreateAsync(Client, members: 1);
        // 29 March 2026 02:30 does not exist in Paris (clocks go from 02:00 to 03:00).
        var response = await Client.PostAsJsonAsync($"/api/assemblies/{s.AssemblyId}/sessions", new
        {
            startsAt = "2026-03-29T02:30", place = "Mairie", items = new[] { new { title = "Budget" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("startsAt", out _));
    }

    [Fact]
    public async Task CreateAuthority_InvalidInput_NamesEachField()
    {
        var response = await Client.PostAsJsonAsync("/api/authorities", new { name = "", kind = "village", population = -1, siren = "123456789", departmentCode = "99" });
        var problem = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "name", "kind", "population", "siren", "departmentCode" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"missing error for {field}: {problem}");
        }
        Assert.Contains("SIREN", errors.GetProperty("siren")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAuthority_Returns404ProblemInFrench()
    {
        var response = await Client.PostAsJsonAsync($"/api/authorities/{Guid.NewGuid()}/members", new { firstName = "A", lastName = "B", email = "a@b.fr" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("collectivité", (await response.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("commune", 1200, 3, false, "2026-03-22")]
    [InlineData("commune", 3500, 5, true, "2026-03-20")]
    [InlineData("epci", 800, 5, true, "2026-03-20")]
    [InlineData("departement", 600000, 12, false, "2026-03-13")]
    public async Task CreateAssembly_RuleFollowsKindAndPopulation(string kind, int population, int noticeDays, bool synthesis, string latest)
    {
        var authority = await Client.PostOkAsync("/api/authorities", new { name = "Collectivité", kind, population, siren = Scenario.NextSiren(), departmentCode = "2A" });
        var assembly = await Client.PostOkAsync($"/api/authorities/{authority.Id()}/assemblies", new { name = "Assemblée délibérante", kind = "council" });
        var rule = assembly.GetProperty("rule");
        Assert.Equal(noticeDays, rule.GetProperty("noticeDays").GetInt32());
        Assert.Equal(synthesis, rule.GetProperty("synthesisNoteRequired").GetBoolean());
        Assert.Contains("CGCT", rule.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(rule.GetProperty("version").GetString()));
        var session = await Client.PostOkAsync($"/api/assemblies/{assembly.Id()}/sessions", new
        {
            startsAt = "2026-03-26T18:30", place = "Siège", items = new[] { new { title = "Budget" } },
        });
        Assert.Equal(latest, session.GetProperty("latestSendDate").GetString());
    }

    [Fact]
    public async Task CreateAssembly_OverrideBelowLegalDelay_IsRefused()
    {
        var s = await Scenario.CreateAsync(Client, members: 0);
        var response = await Client.PostAsJsonAsync($"/api/authorities/{s.AuthorityId}/assemblies", new { name = "Conseil", kind = "council", noticeDays = 3 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var commission = await Client.PostOkAsync($"/api/authorities/{s.AuthorityId}/assemblies", new { name = "Commission des finances", kind = "commission", noticeDays = 2 });
        Assert.Equal(2, commission.GetProperty("rule").GetProperty("noticeDays").GetInt32());
        Assert.True(commission.GetProperty("overridden").GetBoolean());
    }

    [Fact]
    public async Task CreateMember_InvalidPhone_IsRejected()
    {
        var s = await Scenario.CreateAsync(Client, members: 0);
        var response = await Client.PostAsJsonAsync($"/api/authorities/{s.AuthorityId}/members", new { firstName = "Anne", lastName = "Roy", email = "anne.roy@example.org", mobile = "06 12" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("portable", (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("mobile")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportMembers_MixedCsv_AppliesValidRowsAndReportsRejectedLines()
    {
        var s = await Scenario.CreateAsync(Client, members: 0);
        var csv = "\uFEFFprénom;nom;courriel;portable\r\nMarie;Dupont;marie.dupont@example.org;06 12 34 56 78\r\nJean;Martin;pas-une-adresse;+33698765432\r\nLéa;Durand;lea.durand@example.org;\r\n";
        var first = await Client.PostAsync($"/api/authorities/{s.AuthorityId}/members/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var report = await first.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(2, report.GetProperty("created").GetInt32());
        Assert.Equal(1, report.GetProperty("rejected").GetInt32());
        Assert.Equal(3, report.GetProperty("rejections")[0].GetProperty("line").GetInt32());

        var again = await (await Client.PostAsync($"/api/authorities/{s.AuthorityId}/members/import", new StringContent(csv, Encoding.UTF8, "text/csv"))).ReadJsonAsync();
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(2, again.GetProperty("updated").GetInt32());

        var members = await Client.GetOkAsync($"/api/authorities/{s.AuthorityId}/members");
        Assert.Equal(2, members.GetArrayLength());
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("mobile").GetString() == "+33612345678");
    }

    [Fact]
    public async Task ImportMembers_MalformedCsv_IsRejectedWhole()
    {
        var s = await Scenario.CreateAsync(Client, members: 0);
        var response = await Client.PostAsync($"/api/authorities/{s.AuthorityId}/members/import", new StringContent("email;mobile\r\na@b.fr;\r\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty((await Client.GetOkAsync($"/api/authorities/{s.AuthorityId}/members")).EnumerateArray());
    }

    [Fact]
    public async Task Answer_SecondProxyForSameHolder_IsRefusedWithRule()
    {
        var s = await Scenario.CreateAsync(Client, members: 4);
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = (await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations")).EnumerateArray()
            .ToDictionary(c => c.GetProperty("memberId").GetGuid(), c => c.GetProperty("convocationId").GetGuid());
        var holder = s.MemberIds[0];
        await Client.PostOkAsync($"/api/convocations/{convocations[s.MemberIds[1]]}/answer", new { attendance = "proxy", proxyHolderMemberId = holder }, 200);

        var second = await Client.PostAsJsonAsync($"/api/convocations/{convocations[s.MemberIds[2]]}/answer", new { attendance = "proxy", proxyHolderMemberId = holder });
        var problem = await second.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("holder-already-holds-proxy", problem.GetProperty("rule").GetString());
        Assert.Contains("L2121-20", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var self = await Client.PostAsJsonAsync($"/api/convocations/{convocations[s.MemberIds[3]]}/answer", new { attendance = "proxy", proxyHolderMemberId = s.MemberIds[3] });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, self.StatusCode);
    }

    [Fact]
    public async Task Keys_ScopedToAnotherAuthority_SeeNothingAndAuditorsCannotWrite()
    {
        var a = await Scenario.CreateAsync(Client, members: 1);
        var b = await Scenario.CreateAsync(Client, members: 1);
        var bKey = (await Client.PostOkAsync("/api/api-keys", new { name = "Secrétariat B", role = "secretariat", authorityId = b.AuthorityId })).GetProperty("key").GetString();
        var auditorKey = (await Client.PostOkAsync("/api/api-keys", new { name = "Contrôle A", role = "auditor", authorityId = a.AuthorityId })).GetProperty("key").GetString();
        using var bClient = app.CreateClient(bKey);
        using var auditor = app.CreateClient(auditorKey);
        using var anonymous = app.CreateClient(null);

        Assert.Equal(HttpStatusCode.NotFound, (await bClient.GetAsync($"/api/sessions/{a.SessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bClient.GetAsync($"/api/authorities/{a.AuthorityId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bClient.PostAsync($"/api/sessions/{a.SessionId}/send", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bClient.GetAsync($"/api/sessions/{b.SessionId}")).StatusCode);
        var visible = await bClient.GetOkAsync("/api/authorities");
        Assert.Equal(b.AuthorityId, visible.EnumerateArray().Single().Id());

        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync($"/api/sessions/{a.SessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PostAsync($"/api/sessions/{a.SessionId}/send", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/sessions/{a.SessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bClient.PostAsJsonAsync("/api/authorities", new { name = "X" })).StatusCode);
    }

    [Fact]
    public async Task LegalDeadline_ParisCalendarDateDecides()
    {
        const string url = "/api/legal/convocation-deadline?authorityKind=commune&population=4200&assemblyKind=council&meetingDate=2026-03-26&urgent=false";
        var result = await Client.GetOkAsync(url + "&sentAt=2026-03-20T22:59:00Z");
        Assert.Equal("2026-03-20", result.GetProperty("latestSendDate").GetString());
        Assert.Equal(5, result.GetProperty("noticeDays").GetInt32());
        Assert.True(result.GetProperty("timely").GetBoolean());
        Assert.False((await Client.GetOkAsync(url + "&sentAt=2026-03-20T23:01:00Z")).GetProperty("timely").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("/api/legal/convocation-deadline?authorityKind=ville&population=1&meetingDate=2026-13-01")).StatusCode);
    }

    [Fact]
    public async Task Patch_AfterSending_SendsUpdateWithHigherSequence()
    {
        var s = await Scenario.CreateAsync(Client, members: 2);
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForStatusAsync(s.SessionId, "sent", 2);
        var patched = await Client.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { place = "Salle des fêtes" });
        var session = await patched.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(2, session.GetProperty("version").GetInt32());
        await WaitForStatusAsync(s.SessionId, "sent", 4);
        var update = app.Outbox().Single(m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[0]) && (m.Subject ?? "").StartsWith("Modification", StringComparison.Ordinal));
        Assert.Contains("Salle des fêtes", update.TextBody, StringComparison.Ordinal);
        Assert.Contains("SEQUENCE:1", CalendarText(update), StringComparison.Ordinal);

        // Moving the meeting closer than the delay allows, counted from the original sending, is refused.
        var late = await Client.PatchAsJsonAsync($"/api/sessions/{s.SessionId}", new { startsAt = "2026-03-12T18:30" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, late.StatusCode);
    }

    [Fact]
    public async Task Cancel_AfterSending_SendsCalendarCancel()
    {
        var s = await Scenario.CreateAsync(Client, members: 1);
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForStatusAsync(s.SessionId, "sent", 1);
        var cancelled = await Client.PostOkAsync($"/api/sessions/{s.SessionId}/cancel", new { reason = "Report à une date ultérieure" }, 200);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await WaitForStatusAsync(s.SessionId, "sent", 2);
        var cancel = app.Outbox().Single(m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[0]) && (m.Subject ?? "").StartsWith("Annulation", StringComparison.Ordinal));
        Assert.Contains("METHOD:CANCEL", CalendarText(cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await Client.PostAsync($"/api/sessions/{s.SessionId}/send", null)).StatusCode);
    }

    [Fact]
    public async Task PaperMember_GetsPrintableLetterAndPostedDateIsSentDate()
    {
        var s = await Scenario.CreateAsync(Client, members: 1);
        var paper = await Client.PostOkAsync($"/api/authorities/{s.AuthorityId}/members", new
        {
            firstName = "Gérard", lastName = "Papier", delivery = "paper", paperRequestedOn = "2026-01-15",
        });
        var seats = s.MemberIds.Append(paper.Id()).Select(id => new { memberId = id, from = "2026-01-01" });
        Assert.True((await Client.PutAsJsonAsync($"/api/assemblies/{s.AssemblyId}/seats", seats)).IsSuccessStatusCode);
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        var queue = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/paper");
        var item = queue.EnumerateArray().Single();
        Assert.Equal("pending", item.GetProperty("status").GetString());
        var letter = await Client.GetAsync(item.GetProperty("letterUrl").GetString());
        var html = await letter.Content.ReadAsStringAsync();
        Assert.Equal("text/html", letter.Content.Headers.ContentType!.MediaType);
        Assert.Contains("Gérard Papier", html, StringComparison.Ordinal);
        Assert.Contains("honneur de vous convoquer", html, StringComparison.Ordinal);

        var deliveryId = item.GetProperty("deliveryId").GetGuid();
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.PostAsJsonAsync($"/api/deliveries/{deliveryId}/posted", new { postedOn = "2026-04-01" })).StatusCode);
        var posted = await Client.PostOkAsync($"/api/deliveries/{deliveryId}/posted", new { postedOn = "2026-03-10" }, 200);
        Assert.Equal("sent", posted.GetProperty("status").GetString());
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 23, 0, 0, TimeSpan.Zero), posted.GetProperty("sentAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task MemberLink_GetShowsPagePostRecordsAnswerTamperedIsRefused()
    {
        var s = await Scenario.CreateAsync(Client, members: 2);
        await Client.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await WaitForStatusAsync(s.SessionId, "sent", 2);
        var email = app.Outbox().First(m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[0]));
        var link = new Uri((email.TextBody ?? "").Split(' ', '\n').First(w => w.StartsWith("http://hub.test/convocations/", StringComparison.Ordinal) && !w.Contains('#', StringComparison.Ordinal)).Trim());
        using var browser = app.CreateClient(null);

        var page = await browser.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("pas encore de réponse", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var convocations = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations");
        Assert.All(convocations.EnumerateArray(), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("answer").ValueKind));

        var answer = await browser.PostAsync(link.PathAndQuery + "/answer", new FormUrlEncodedContent([new("attendance", "absent")]));
        Assert.Contains("Votre réponse est enregistrée", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        convocations = await Client.GetOkAsync($"/api/sessions/{s.SessionId}/convocations");
        var mine = convocations.EnumerateArray().Single(c => c.GetProperty("memberId").GetGuid() == s.MemberIds[0]);
        Assert.Equal("absent", mine.GetProperty("answer").GetProperty("attendance").GetString());
        Assert.Equal("member-link", mine.GetProperty("answer").GetProperty("source").GetString());

        var tampered = link.PathAndQuery[..^3] + (link.PathAndQuery.EndsWith("AAA", StringComparison.Ordinal) ? "BBB" : "AAA");
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(tampered)).StatusCode);
    }

    private async Task<JsonElement> WaitForStatusAsync(Guid sessionId, string status, int count) =>
        await Eventually.WaitAsync(
            () => Client.GetOkAsync($"/api/sessions/{sessionId}/convocations"),
            json => json.EnumerateArray().SelectMany(c => c.GetProperty("deliveries").EnumerateArray()).Count(d => d.GetProperty("status").GetString() == status) >= count,
            Bound, $"{count} deliveries {status}");

    private static string CalendarText(MimeMessage message) =>
        message.BodyParts.OfType<TextPart>().Single(p => p.ContentType.IsMimeType("text", "calendar")).Text;
}

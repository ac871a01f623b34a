using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using MimeKit;
using Xunit;

namespace IntegrationHub.Tests.Faults;

/// <summary>
/// An authority with an assembly of <c>n</c> members (imported in one CSV request) and a draft session, built
/// through a hub process's API on the real clock: the session is five weeks ahead, far beyond any legal delay.
/// </summary>
public sealed class FaultScenario
{
    public Guid AuthorityId { get; private init; }
    public Guid SessionId { get; private init; }
    public IReadOnlyList<string> MemberEmails { get; private init; } = [];

    public static async Task<FaultScenario> CreateAsync(HttpClient client, int members)
    {
        var authority = (await client.PostOkAsync("/api/authorities", new
        {
            name = "Commune de Panne-sur-Test", kind = "commune", population = 1200, siren = Scenario.NextSiren(), departmentCode = "34",
        })).Id();
        var assembly = (await client.PostOkAsync($"/api/authorities/{authority}/assemblies", new { name = "Conseil municipal", kind = "council" })).Id();
        var emails = Enumerable.Range(0, members).Select(i => string.Create(CultureInfo.InvariantCulture, $"elu{i:0000}@{authority:N}.example.org")).ToList();
        var csv = new StringBuilder("prénom;nom;courriel\r\n");
        for (var i = 0; i < members; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"Élu{i:0000};Conseiller;{emails[i]}\r\n");
        }
        using (var import = await client.PostAsync(
            new Uri($"/api/authorities/{authority}/members/import", UriKind.Relative), new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")))
        {
            var report = await import.ReadJsonAsync();
            Assert.True(import.IsSuccessStatusCode && report.GetProperty("created").GetInt32() == members, $"import → {(int)import.StatusCode}: {report}");
        }
        var memberIds = (await client.GetOkAsync($"/api/authorities/{authority}/members")).EnumerateArray().Select(m => m.Id()).ToList();
        Assert.Equal(members, memberIds.Count);
        using (var seats = await client.PutAsJsonAsync(
            new Uri($"/api/assemblies/{assembly}/seats", UriKind.Relative), memberIds.Select(id => new { memberId = id, from = "2026-01-01" })))
        {
            Assert.True(seats.IsSuccessStatusCode, await seats.Content.ReadAsStringAsync());
        }
        var day = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddDays(35);
        var session = await client.PostOkAsync($"/api/assemblies/{assembly}/sessions", new
        {
            startsAt = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T18:30", place = "Salle du conseil",
            items = new[] { new { title = "Budget primitif", rapporteur = "M. le Maire" } },
        });
        var scenario = new FaultScenario { AuthorityId = authority, SessionId = session.Id(), MemberEmails = emails };
        if (session.GetProperty("rule").GetProperty("synthesisNoteRequired").GetBoolean())
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent("synthesisNote"), "kind" },
                { new ByteArrayContent(Scenario.Pdf("Note de synthese")), "file", "note.pdf" },
            };
            using var upload = await client.PostAsync(new Uri($"/api/sessions/{scenario.SessionId}/documents", UriKind.Relative), form);
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        }
        return scenario;
    }

    public Task<JsonElement> SendAsync(HttpClient client) => client.PostOkAsync($"/api/sessions/{SessionId}/send", new { }, 202);

    /// <summary>The addresses of this session's deliveries now in <paramref name="status"/>, read from the database.</summary>
    public async Task<List<string>> RecipientsInStatusAsync(HubDatabase database, string status)
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<string>(
            """
            SELECT m.email FROM deliveries d JOIN convocations c ON c.id = d.convocation_id JOIN members m ON m.id = c.member_id
            WHERE d.session_id = @SessionId AND d.status = @status
            """,
            new { SessionId, status })).AsList();
    }

    /// <summary>The attempts recorded on each delivery of the session, by recipient address.</summary>
    public async Task<Dictionary<string, int>> AttemptsPerRecipientAsync(HubDatabase database)
    {
        await using var connection = await database.OpenAsync();
        var rows = await connection.QueryAsync<(string Email, int Attempts)>(
            """
            SELECT m.email, d.attempts FROM deliveries d JOIN convocations c ON c.id = d.convocation_id JOIN members m ON m.id = c.member_id
            WHERE d.session_id = @SessionId
            """,
            new { SessionId });
        return rows.ToDictionary(r => r.Email, r => r.Attempts, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>How many <c>delivery.sent</c> ledger entries each delivery of the session has.</summary>
    public async Task<Dictionary<Guid, int>> SentEntriesPerDeliveryAsync(HubDatabase database)
    {
        await using var connection = await database.OpenAsync();
        var ids = await connection.QueryAsync<Guid>(
            "SELECT delivery_id FROM ledger_entries WHERE session_id = @SessionId AND type = @type",
            new { SessionId, type = LedgerEntryTypes.DeliverySent });
        return ids.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>Waits until every delivery of the session is recorded as sent in the API; returns the convocations.</summary>
    public Task<JsonElement> WaitAllSentAsync(HttpClient client, TimeSpan timeout) =>
        Eventually.WaitAsync(
            () => client.GetOkAsync($"/api/sessions/{SessionId}/convocations"),
            json => json.GetArrayLength() == MemberEmails.Count
                && json.EnumerateArray().All(c => c.GetProperty("deliveries").EnumerateArray().All(d => d.GetProperty("status").GetString() == "sent")),
            timeout, "every delivery recorded as sent");

    public async Task AssertLedgerIntactAsync(HubDatabase database)
    {
        var verification = await new EvidenceLedger(database).VerifyChainAsync(AuthorityId, CancellationToken.None);
        Assert.True(verification.IsIntact, verification.FirstBreak?.Reason);
    }

    /// <summary>
    /// Every member received the message; a second copy exists only for a delivery that was "sending" when the process
    /// died (accepted by the SMTP server, not yet recorded), at most one per such delivery. Returns the duplicates.
    /// </summary>
    public List<string> AssertDuplicatesOnlyInWindow(IReadOnlyList<MimeMessage> messages, IReadOnlyCollection<string> sendingAtKill)
    {
        var duplicated = CountPerRecipient(messages).Where(p => p.Value > 1).ToList();
        Assert.All(duplicated, d => Assert.Contains(d.Key, sendingAtKill, StringComparer.OrdinalIgnoreCase));
        Assert.All(duplicated, d => Assert.Equal(2, d.Value));
        return duplicated.Select(d => d.Key).ToList();
    }

    /// <summary>
    /// The chain verifies and every delivery has exactly one "sent" fact: each send a live process made is recorded
    /// with its claim, so no delivery went out twice from processes that stayed alive.
    /// </summary>
    public async Task AssertOneSentFactPerDeliveryAsync(HubDatabase database)
    {
        await AssertLedgerIntactAsync(database);
        var sentEntries = await SentEntriesPerDeliveryAsync(database);
        Assert.Equal(MemberEmails.Count, sentEntries.Count);
        Assert.All(sentEntries, e => Assert.Equal(1, e.Value));
    }

    /// <summary>Messages received per recipient address; every member must be there at least once.</summary>
    public Dictionary<string, int> CountPerRecipient(IEnumerable<MimeMessage> messages)
    {
        var counts = messages.GroupBy(m => m.To.Mailboxes.Single().Address, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        var missing = MemberEmails.Where(e => !counts.ContainsKey(e)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} member(s) received nothing, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(counts.Keys.All(k => MemberEmails.Contains(k, StringComparer.OrdinalIgnoreCase)), "a message went to an unknown address");
        return counts;
    }
}

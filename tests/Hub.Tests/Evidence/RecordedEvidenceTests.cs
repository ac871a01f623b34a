using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

/// <summary>A real send leaves its evidence in the ledger, in the same transactions as the facts (issue 5).</summary>
[Collection(HubHostsGroup.Name)]
public sealed class RecordedEvidenceTests : IAsyncLifetime
{
    private HubApp _app = null!;

    public async Task InitializeAsync() => _app = await HubApp.StartAsync(TestDatabase.Sqlite);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Send_RecordsTheSessionEachMemberEachDeliveryAndAnswers_AndGivesATimelyVerdict()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 2);
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var convocations = await Eventually.WaitAsync(
            () => _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            list => list.EnumerateArray().All(c => c.GetProperty("deliveries").EnumerateArray().All(d => d.GetProperty("status").GetString() == "sent")),
            TimeSpan.FromSeconds(30), "every convocation sent");
        var latest = s.Session.GetProperty("latestSendDate").GetString();
        foreach (var convocation in convocations.EnumerateArray())
        {
            var verdict = convocation.GetProperty("evidence");
            Assert.True(verdict.GetProperty("timely").GetBoolean());
            Assert.Equal(latest, verdict.GetProperty("latestSendDate").GetString());
            Assert.Equal("2026-03-10", verdict.GetProperty("sentDate").GetString());
        }
        var first = convocations.EnumerateArray().First();
        (await _app.Admin.PostAsJsonAsync($"/api/convocations/{first.GetProperty("convocationId").GetGuid()}/answer", new { attendance = "present" })).EnsureSuccessStatusCode();

        var ledger = _app.Services.GetRequiredService<EvidenceLedger>();
        var entries = await ledger.GetSessionEntriesAsync(s.SessionId, CancellationToken.None);
        Assert.Equal(1, entries.Count(e => e.Type == LedgerEntryTypes.SessionSent));
        Assert.Equal(2, entries.Count(e => e.Type == LedgerEntryTypes.ConvocationComposed));
        Assert.Equal(2, entries.Count(e => e.Type == LedgerEntryTypes.DeliveryQueued));
        Assert.Single(entries, e => e.Type == LedgerEntryTypes.AnswerRecorded && e.Subject.MemberId == first.GetProperty("memberId").GetGuid());

        var sent = Data(entries.Single(e => e.Type == LedgerEntryTypes.SessionSent));
        Assert.True(sent.GetProperty("timely").GetBoolean());
        Assert.Equal(latest, sent.GetProperty("session").GetProperty("latestSendDate").GetString());
        var documents = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents");
        Assert.Equal(
            documents.EnumerateArray().Select(d => d.GetProperty("sha256").GetString()),
            sent.GetProperty("session").GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("sha256").GetString()));

        // Each message's hash is the SHA-256 of "subject\ntext" as the member received it.
        foreach (var message in _app.Outbox())
        {
            var address = message.To.Mailboxes.Single().Address;
            var delivery = entries.Single(e => e.Type == LedgerEntryTypes.DeliverySent && Data(e).GetProperty("evidence").GetProperty("address").GetString() == address);
            var evidence = Data(delivery).GetProperty("evidence");
            var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{message.Subject}\n{(message.TextBody ?? "").ReplaceLineEndings("\n")}")));
            Assert.Equal(expected, evidence.GetProperty("messageSha256").GetString());
            Assert.False(string.IsNullOrEmpty(evidence.GetProperty("providerMessageId").GetString()));
        }

        var verification = await ledger.VerifyChainAsync(s.AuthorityId, CancellationToken.None);
        Assert.True(verification.IsIntact, verification.FirstBreak?.Reason);
        // The dispatch was time-stamped once settled: an anchor covers a head at or after the last delivery entry.
        var lastDelivery = entries.Where(e => e.Type == LedgerEntryTypes.DeliverySent).Max(e => e.Seq);
        await Eventually.WaitAsync(
            () => ledger.GetAnchorsAsync(s.AuthorityId, CancellationToken.None),
            anchors => anchors.Any(a => a.Seq >= lastDelivery), TimeSpan.FromSeconds(30), "an anchor after the dispatch");
    }

    private static JsonElement Data(LedgerEntry entry) => JsonDocument.Parse(entry.Body).RootElement.GetProperty("data");
}

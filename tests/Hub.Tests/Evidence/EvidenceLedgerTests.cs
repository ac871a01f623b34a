using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

public sealed class EvidenceLedgerTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 10, 9, 0, 0, 123, TimeSpan.Zero);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AppendAsync_SeveralEntries_FormOneChainAnyoneCanRecompute(DatabaseProvider provider)
    {
        using var database = await LedgerDatabases.OpenAsync(provider);
        var ledger = new EvidenceLedger(database);
        var authority = Guid.NewGuid();
        var session = Guid.NewGuid();

        var appended = new List<LedgerEntry>();
        for (var i = 0; i < 3; i++)
        {
            appended.Add(await database.InTransactionAsync((c, t) => ledger.AppendAsync(
                c, t, authority, LedgerEntryTypes.DeliverySent, new LedgerSubject(SessionId: session, DeliveryId: Guid.NewGuid()),
                new { ProviderMessageId = $"<m{i}@hub>", Attempt = i + 1, Channel = "email" }, At.AddSeconds(i))));
        }

        var stored = await ledger.GetSessionEntriesAsync(session, CancellationToken.None);
        Assert.Equal(appended, stored);
        Assert.Equal([1L, 2L, 3L], stored.Select(e => e.Seq));
        Assert.Equal(LedgerLine.GenesisHash, stored[0].PrevHash);
        for (var i = 0; i < stored.Count; i++)
        {
            var entry = stored[i];
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(entry.Body))), entry.Hash);
            Assert.Equal(entry.Hash, Recompute(entry.ToLine()));
            if (i > 0)
            {
                Assert.Equal(stored[i - 1].Hash, entry.PrevHash);
            }
        }
        Assert.Equal(new LedgerHead(authority, 3, stored[2].Hash), await ledger.GetHeadAsync(authority, CancellationToken.None));
        Assert.Equal(stored.Skip(1), await ledger.GetRangeAsync(authority, 2, 3, CancellationToken.None));
    }

    [Fact]
    public async Task AppendAsync_Entry_HasTheDocumentedCanonicalShape()
    {
        using var database = await LedgerDatabases.OpenAsync(DatabaseProvider.Sqlite);
        var ledger = new EvidenceLedger(database);
        var authority = Guid.Parse("6f1c2a8e-0000-4000-8000-000000000001");
        var subject = new LedgerSubject(SessionId: Guid.Parse("6f1c2a8e-0000-4000-8000-000000000002"), MemberId: Guid.Parse("6f1c2a8e-0000-4000-8000-000000000003"));

        var entry = await database.InTransactionAsync((c, t) => ledger.AppendAsync(
            c, t, authority, LedgerEntryTypes.SessionSent, subject, new { Zeta = "é\n", AlphaCount = 2 }, At.AddTicks(4567)));

        Assert.Equal(
            """{"at":"2026-03-10T09:00:00.123Z","authority":"6f1c2a8e-0000-4000-8000-000000000001","data":{"alphaCount":2,"zeta":"é\n"},"prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"subject":{"member":"6f1c2a8e-0000-4000-8000-000000000003","session":"6f1c2a8e-0000-4000-8000-000000000002"},"type":"session.sent"}""",
            entry.Body);
        Assert.Equal(entry.Body.Replace("\"data\":{\"alphaCount\":2,\"zeta\":\"é\\n\"},", $"\"data\":{{\"alphaCount\":2,\"zeta\":\"é\\n\"}},\"hash\":\"{entry.Hash}\",", StringComparison.Ordinal), entry.ToLine());
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 9, 0, 0, 123, TimeSpan.Zero), entry.At);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task UpdateOrDelete_OfEntriesAndAnchors_IsRejectedByTheDatabase(DatabaseProvider provider)
    {
        using var database = await LedgerDatabases.OpenAsync(provider);
        var ledger = new EvidenceLedger(database);
        var authority = Guid.NewGuid();
        var entry = await AppendCommittedAsync(database, authority, LedgerEntryTypes.SessionSent);
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO ledger_anchors (authority_id, seq, head_hash, token, tsa_name, qualified, generated_at, recorded_at)
            VALUES (@authority, 1, @hash, @token, 'TSA', @qualified, @at, @at)
            """,
            new { authority, hash = entry.Hash, token = new byte[] { 1, 2, 3 }, qualified = false, at = At });

        foreach (var sql in new[]
                 {
                     "UPDATE ledger_entries SET body = 'x' WHERE authority_id = @authority",
                     "DELETE FROM ledger_entries WHERE authority_id = @authority",
                     "UPDATE ledger_anchors SET tsa_name = 'x' WHERE authority_id = @authority",
                     "DELETE FROM ledger_anchors WHERE authority_id = @authority",
                 })
        {
            var e = await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteAsync(sql, new { authority }));
            Assert.Contains("append-only", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal([entry], await ledger.GetRangeAsync(authority, 1, 10, CancellationToken.None));
        Assert.Single(await ledger.GetAnchorsAsync(authority, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AppendAsync_TransactionRolledBack_LeavesNoEntryAndNoHeadChange(DatabaseProvider provider)
    {
        using var database = await LedgerDatabases.OpenAsync(provider);
        var ledger = new EvidenceLedger(database);
        var authority = Guid.NewGuid();
        var first = await AppendCommittedAsync(database, authority, LedgerEntryTypes.SessionSent);

        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ledger.AppendAsync(connection, transaction, authority, LedgerEntryTypes.DeliverySent, LedgerSubject.None, new { n = 1 }, At);
            await transaction.RollbackAsync();
        }
        // A brand-new authority whose first append is rolled back leaves no head row either.
        var other = Guid.NewGuid();
        await using (var connection = await database.OpenAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ledger.AppendAsync(connection, transaction, other, LedgerEntryTypes.DeliverySent, LedgerSubject.None, new { }, At);
        }

        Assert.Equal(new LedgerHead(authority, 1, first.Hash), await ledger.GetHeadAsync(authority, CancellationToken.None));
        Assert.Equal([first], await ledger.GetRangeAsync(authority, 1, 10, CancellationToken.None));
        Assert.Equal(new LedgerHead(other, 0, LedgerLine.GenesisHash), await ledger.GetHeadAsync(other, CancellationToken.None));
        var next = await AppendCommittedAsync(database, authority, LedgerEntryTypes.DeliveryFailed);
        Assert.Equal((2L, first.Hash), (next.Seq, next.PrevHash));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AppendAsync_TwoHubProcessesAppendingConcurrently_ProduceOneGapFreeChain(DatabaseProvider provider)
    {
        var connectionString = await LedgerDatabases.CreateAsync(provider);
        using var nodeA = new HubDatabase(provider, connectionString);
        using var nodeB = new HubDatabase(provider, connectionString);
        var authority = Guid.NewGuid();
        const int PerNode = 40;

        // Every appender starts on an empty chain, so the head row is also created concurrently.
        var appends = new[] { nodeA, nodeB }.SelectMany(node => Enumerable.Range(0, PerNode).Select(i => Task.Run(() =>
            node.InTransactionAsync((c, t) => new EvidenceLedger(node).AppendAsync(
                c, t, authority, LedgerEntryTypes.DeliveryAttempted, LedgerSubject.None, new { node = node.GetHashCode(), i }, At)))));
        var results = await Task.WhenAll(appends);

        var chain = await new EvidenceLedger(nodeA).GetRangeAsync(authority, 1, long.MaxValue, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 2 * PerNode).Select(i => (long)i), chain.Select(e => e.Seq));
        Assert.Equal(results.Select(r => r.Seq).Order(), chain.Select(e => e.Seq));
        var prev = LedgerLine.GenesisHash;
        foreach (var entry in chain)
        {
            Assert.Equal(prev, entry.PrevHash);
            Assert.Equal(entry.Hash, Recompute(entry.ToLine()));
            prev = entry.Hash;
        }
        Assert.Equal(new LedgerHead(authority, 2 * PerNode, prev), await new EvidenceLedger(nodeB).GetHeadAsync(authority, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task VerifyChainAsync_ConnectionLostMidAppend_LeavesAValidChain(DatabaseProvider provider)
    {
        using var database = await LedgerDatabases.OpenAsync(provider);
        var ledger = new EvidenceLedger(database);
        var authority = Guid.NewGuid();
        await AppendCommittedAsync(database, authority, LedgerEntryTypes.SessionSent);

        // A dispatch that dies after its entry was written but before commit: the connection goes away.
        var connection = await database.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await ledger.AppendAsync(connection, transaction, authority, LedgerEntryTypes.DeliverySent, LedgerSubject.None, new { crashed = true }, At);
        await connection.DisposeAsync();

        var last = await AppendCommittedAsync(database, authority, LedgerEntryTypes.DeliveryFailed);
        var verdict = await ledger.VerifyChainAsync(authority, CancellationToken.None);
        Assert.True(verdict.IsIntact, verdict.FirstBreak?.Reason);
        Assert.Equal((2L, 2L, last.Hash), (verdict.Entries, verdict.LastSeq, verdict.LastHash));
        await transaction.DisposeAsync();
    }

    [Fact]
    public async Task VerifyChainAsync_RowEditedBehindTheTriggersBack_NamesTheEntry()
    {
        using var database = await LedgerDatabases.OpenAsync(DatabaseProvider.Sqlite);
        var ledger = new EvidenceLedger(database);
        var authority = Guid.NewGuid();
        for (var i = 0; i < 4; i++)
        {
            await AppendCommittedAsync(database, authority, LedgerEntryTypes.AnswerRecorded);
        }
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("DROP TRIGGER ledger_entries_no_update");
            await connection.ExecuteAsync("UPDATE ledger_entries SET body = replace(body, 'answer.recorded', 'answer.recordee') WHERE seq = 2");
        }

        var verdict = await ledger.VerifyChainAsync(authority, CancellationToken.None);
        Assert.Equal((2L, LedgerBreakKind.Edited), (verdict.FirstBreak!.Seq, verdict.FirstBreak.Kind));
    }

    [Fact]
    public async Task AppendAsync_DataThatCannotBeCanonicalised_FailsBeforeTouchingTheChain()
    {
        using var database = await LedgerDatabases.OpenAsync(DatabaseProvider.Sqlite);
        var ledger = new EvidenceLedger(database);
        var authority = Guid.NewGuid();
        await Assert.ThrowsAsync<FormatException>(() => database.InTransactionAsync((c, t) =>
            ledger.AppendAsync(c, t, authority, LedgerEntryTypes.SessionSent, LedgerSubject.None, new { big = long.MaxValue }, At)));
        await Assert.ThrowsAsync<ArgumentException>(() => database.InTransactionAsync((c, t) =>
            ledger.AppendAsync(c, t, authority, LedgerEntryTypes.SessionSent, LedgerSubject.None, new[] { 1, 2 }, At)));
        Assert.Equal(0, (await ledger.GetHeadAsync(authority, CancellationToken.None)).Seq);
    }

    private static Task<LedgerEntry> AppendCommittedAsync(HubDatabase database, Guid authority, string type) =>
        database.InTransactionAsync((c, t) => new EvidenceLedger(database).AppendAsync(c, t, authority, type, LedgerSubject.None, new { }, At));

    /// <summary>What a third party does with an exported line: drop <c>hash</c>, canonicalise (RFC 8785), SHA-256.</summary>
    private static string Recompute(string line)
    {
        var node = JsonNode.Parse(line)!.AsObject();
        Assert.True(node.Remove("hash"));
        var canonical = CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(node.ToJsonString()));
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }

}

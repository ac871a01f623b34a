using System.Net.Http.Json;
using Dapper;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Postgres;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace IntegrationHub.Tests.Faults;

/// <summary>
/// The PostgreSQL connection drops in the middle of <c>POST /api/sessions/{id}/send</c>: the API answers a clear
/// French problem (no stack trace), nothing of the send remains, and the same send succeeds once the database is back.
/// </summary>
/// <remarks>
/// The SQLite variant ("disk full") caps the file with <c>Hub:Database:SqliteMaxSizeMegabytes</c> (SQLite's
/// <c>max_page_count</c>): a write past it fails with SQLITE_FULL, the very error a full disk gives, without needing a
/// size-limited mount (root only, and CI containers may forbid it).
/// </remarks>
[Collection(HubHostsGroup.Name)]
public sealed class DatabaseLossTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private const int Members = 20;

    [Fact]
    public async Task PostgresConnectionDropsDuringSend_ClearErrorNothingHalfWritten_ThenSendSucceeds()
    {
        var options = await HubProcess.PrepareAsync(TestDatabase.Postgres, Environment(workers: 2));
        using var db = options.OpenDatabase();
        var hub = await StartHubAsync(options, "hub");
        var s = await FaultScenario.CreateAsync(hub.Admin, Members);
        var databaseName = new NpgsqlConnectionStringBuilder(options.ConnectionString).Database!;

        // Hold the ledger so the send's transaction stops half-way (the session marked sent and its version written, not
        // committed): its first ledger entry waits on this lock.
        await using var blocker = new NpgsqlConnection(options.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("LOCK TABLE ledger_entries IN EXCLUSIVE MODE", transaction: hold);

        var send = hub.Admin.PostAsJsonAsync(new Uri($"/api/sessions/{s.SessionId}/send", UriKind.Relative), new { });
        await using var admin = new NpgsqlConnection(PostgresServer.Instance.AdminConnectionString);
        await admin.OpenAsync();
        // The send's own backend, blocked by this lock on its ledger insert. Not "any backend waiting on a lock": Hangfire's
        // PostgreSQL storage takes table locks of its own (its distributed locks), and one of those waits would let the cut
        // fall before the send had written anything, proving less than this test says.
        await Eventually.WaitAsync(
            () => admin.ExecuteScalarAsync<int>(
                """
                SELECT COUNT(*) FROM pg_stat_activity
                WHERE datname = @databaseName AND @blocker = ANY(pg_blocking_pids(pid)) AND query LIKE '%INSERT INTO ledger_entries%'
                """,
                new { databaseName, blocker = blocker.ProcessID }),
            n => n > 0, TimeSpan.FromSeconds(20), "the send to wait on the ledger, half-way through its transaction");

        // The database goes away: no new connection is allowed, and every connection of the hub is cut.
        await admin.ExecuteAsync($"ALTER DATABASE \"{databaseName}\" ALLOW_CONNECTIONS false");
        var terminated = await admin.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @databaseName AND pid <> @blocker) t",
            new { databaseName, blocker = blocker.ProcessID });

        using var response = await send;
        var body = await response.Content.ReadAsStringAsync();
        Report($"connection cut ({terminated} backends) during send → {(int)response.StatusCode} {response.Content.Headers.ContentType}: {body}");
        Assert.True((int)response.StatusCode is 500 or 503, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("base de données", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", body, StringComparison.Ordinal);

        // The database comes back.
        await hold.RollbackAsync();
        await admin.ExecuteAsync($"ALTER DATABASE \"{databaseName}\" ALLOW_CONNECTIONS true");

        // Nothing half-written: no convocation, no delivery, the session still a draft, the chain whole.
        await using (var connection = await db.OpenAsync())
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM convocations WHERE session_id = @SessionId", new { s.SessionId }));
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM deliveries WHERE session_id = @SessionId", new { s.SessionId }));
        }
        var session = await Eventually.WaitAsync(
            async () => await hub.Admin.GetAsync(new Uri($"/api/sessions/{s.SessionId}", UriKind.Relative)),
            r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(20), "the hub to reach its database again");
        Assert.Equal("draft", (await session.ReadJsonAsync()).GetProperty("status").GetString());
        await s.AssertLedgerIntactAsync(db);

        // The same send now succeeds, once per member. The hub's pool may still hold a connection the cut killed (Npgsql
        // does not clear its pool on 57P01, npgsql/npgsql#5073): a request that draws it gets the same 503 « Réessayez dans
        // un instant », with nothing written, so the test does what the answer says. Duplicates would show below.
        var resent = await Eventually.WaitAsync(
            async () =>
            {
                using var attempt = await hub.Admin.PostAsJsonAsync(new Uri($"/api/sessions/{s.SessionId}/send", UriKind.Relative), new { });
                return ((int)attempt.StatusCode, await attempt.Content.ReadAsStringAsync());
            },
            r => r.Item1 != 503, TimeSpan.FromSeconds(20), "the send to be answered otherwise than 503 once the database is back");
        Assert.True(resent.Item1 == 202, $"{resent.Item1}: {resent.Item2}");
        await s.WaitAllSentAsync(hub.Admin, TimeSpan.FromSeconds(30));
        var perRecipient = s.CountPerRecipient(await Smtp.WaitForMessagesAsync(Members, TimeSpan.FromSeconds(5)));
        Assert.Equal(Members, perRecipient.Count);
        Assert.All(perRecipient, p => Assert.Equal(1, p.Value));
        await s.AssertLedgerIntactAsync(db);
    }

    [Fact]
    public async Task SqliteFullDuringSend_ClearErrorNothingHalfWritten_ThenSendSucceeds()
    {
        var options = await HubProcess.PrepareAsync(TestDatabase.Sqlite, Environment(workers: 2));
        using var db = options.OpenDatabase();
        var first = await StartHubAsync(options, "hub");
        var s = await FaultScenario.CreateAsync(first.Admin, Members);
        await first.StopAsync(TimeSpan.FromSeconds(20));

        // Compact the file, then allow it three more pages: the send (20 convocations, 40 deliveries, their ledger
        // entries) needs far more, and reading needs none.
        long pages, pageSize;
        await using (var connection = await db.OpenAsync())
        {
            await connection.ExecuteAsync("VACUUM");
            pages = await connection.ExecuteScalarAsync<long>("PRAGMA page_count");
            pageSize = await connection.ExecuteScalarAsync<long>("PRAGMA page_size");
        }
        var ceiling = (pages + 3) * pageSize / (1024.0 * 1024.0);
        var full = await StartHubAsync(options with
        {
            Environment = Environment(workers: 2, new Dictionary<string, string>
            {
                ["Hub__Database__SqliteMaxSizeMegabytes"] = ceiling.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            }),
        }, "hub-full");

        using var response = await full.Admin.PostAsJsonAsync(new Uri($"/api/sessions/{s.SessionId}/send", UriKind.Relative), new { });
        var body = await response.Content.ReadAsStringAsync();
        Report($"database capped at {pages + 3} pages of {pageSize} bytes, send → {(int)response.StatusCode} {response.Content.Headers.ContentType}: {body}");
        Assert.Equal(507, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.EndsWith("/database-full", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Contains("n'a pas été enregistrée", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SQLITE_FULL", body, StringComparison.Ordinal);

        // Reading still works, and nothing of the send remains.
        var session = await full.Admin.GetAsync(new Uri($"/api/sessions/{s.SessionId}", UriKind.Relative));
        Assert.Equal("draft", (await session.ReadJsonAsync()).GetProperty("status").GetString());
        await using (var connection = await db.OpenAsync())
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM convocations WHERE session_id = @SessionId", new { s.SessionId }));
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM deliveries WHERE session_id = @SessionId", new { s.SessionId }));
        }
        await s.AssertLedgerIntactAsync(db);
        await full.StopAsync(TimeSpan.FromSeconds(20));

        // Space is freed (the ceiling lifted): the same send succeeds, once per member.
        var freed = await StartHubAsync(options, "hub-freed");
        await s.SendAsync(freed.Admin);
        await s.WaitAllSentAsync(freed.Admin, TimeSpan.FromSeconds(30));
        var perRecipient = s.CountPerRecipient(await Smtp.WaitForMessagesAsync(Members, TimeSpan.FromSeconds(5)));
        Assert.All(perRecipient, p => Assert.Equal(1, p.Value));
        await s.AssertLedgerIntactAsync(db);
    }
}

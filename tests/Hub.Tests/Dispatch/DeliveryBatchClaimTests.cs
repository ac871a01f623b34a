using System.Data.Common;
using Dapper;
using IntegrationHub.Dispatch;
using IntegrationHub.Persistence;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Dispatch;

/// <summary>
/// A batch job claims each delivery in the transaction that recorded the previous one's outcome: rows already sent
/// in the middle of a batch are skipped, the others are sent once, claimed once each. On PostgreSQL, recording an
/// outcome never waits for the next row (held by another worker, it is passed over and claimed the ordinary way), and
/// a message the provider accepted is never retried when recording it fails: it is recorded again, so it goes out once.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class DeliveryBatchClaimTests : IDisposable
{
    private readonly SmtpSinkServer _smtp = new();

    public void Dispose() => _smtp.Dispose();

    [Fact]
    public async Task RunBatchAsync_SentRowsBetweenPendingOnes_SkipsThemAndSendsEachPendingOnceWithOneClaim()
    {
        await using var app = await StartAsync(TestDatabase.Sqlite);
        var s = await Scenario.CreateAsync(app.Admin, members: 5);
        await app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await _smtp.WaitForMessagesAsync(5, TimeSpan.FromSeconds(30));
        var database = app.Services.GetRequiredService<HubDatabase>();
        var ids = await Eventually.WaitAsync(
            async () =>
            {
                await using var connection = await database.OpenAsync();
                return (await connection.QueryAsync<Guid>(
                    "SELECT id FROM deliveries WHERE session_id = @id AND status = 'sent' ORDER BY id", new { id = s.SessionId })).AsList();
            },
            sent => sent.Count == 5, TimeSpan.FromSeconds(30), "every delivery recorded as sent");

        // Rows 0, 2 and 3 go back to the queue as if never sent; 1 and 4 stay sent, one of them at the end of the batch.
        Guid[] pending = [ids[0], ids[2], ids[3]];
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync(
                "UPDATE deliveries SET status = 'pending', sent_at = NULL, attempts = 0 WHERE id IN @ids",
                new { ids = pending.Select(id => id.ToString("D")).ToArray() });
        }
        await app.Services.GetRequiredService<DeliveryJob>().RunBatchAsync([.. ids], CancellationToken.None);

        Assert.Equal(8, (await _smtp.WaitForMessagesAsync(8, TimeSpan.FromSeconds(30))).Count);
        await using var check = await database.OpenAsync();
        var rows = (await check.QueryAsync<(string Id, string Status, int Attempts)>(
            "SELECT id, status, attempts FROM deliveries WHERE session_id = @id", new { id = s.SessionId })).ToDictionary(r => Guid.Parse(r.Id));
        Assert.All(rows.Values, row => Assert.Equal("sent", row.Status));
        Assert.All(pending, id => Assert.Equal(1, rows[id].Attempts));
        Assert.All(new[] { ids[1], ids[4] }, id => Assert.Equal(1, rows[id].Attempts));
        Assert.Equal(8, _smtp.MessageCount);
    }

    [Fact]
    public async Task RunBatchAsync_NextRowLockedElsewhere_OutcomeCommitsWithoutWaitingAndTheRowIsSentOnceAfter()
    {
        await using var app = await StartAsync(TestDatabase.Postgres);
        var database = app.Services.GetRequiredService<HubDatabase>();
        var ids = await SentThenPendingAgainAsync(app, database);

        // Another transaction holds the second row (as a worker's outcome transaction claiming it would).
        await using var holder = await database.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("SELECT id FROM deliveries WHERE id = @id FOR UPDATE", new { id = ids[1] }, hold);

        var run = app.Services.GetRequiredService<DeliveryJob>().RunBatchAsync([.. ids], CancellationToken.None);
        await Eventually.WaitAsync(
            () => StatusAsync(database, ids[0]), status => status == "sent", TimeSpan.FromSeconds(20),
            "the first delivery's outcome to commit while the next row is held");

        // Released without change: the batch claims it the ordinary way and sends it.
        await hold.RollbackAsync();
        await run;

        Assert.Equal(4, (await _smtp.WaitForMessagesAsync(4, TimeSpan.FromSeconds(30))).Count);
        await AssertSentOnceAsync(database, ids);
        Assert.Equal(4, _smtp.MessageCount);
    }

    [Fact]
    public async Task RunBatchAsync_RecordingTheSendFailsOnce_RecordedAgainNotSentAgain()
    {
        await using var app = await StartAsync(TestDatabase.Postgres);
        var database = app.Services.GetRequiredService<HubDatabase>();
        var ids = await SentThenPendingAgainAsync(app, database);
        await using (var connection = await database.OpenAsync())
        {
            // The database refuses the first "sent" recording once (as a deadlock victim or a cut connection would).
            await connection.ExecuteAsync(
                """
                CREATE SEQUENCE test_refuse_sent_once;
                CREATE FUNCTION test_refuse_sent_once() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.status = 'sent' AND OLD.status = 'sending' THEN
                        IF nextval('test_refuse_sent_once') = 1 THEN
                            RAISE EXCEPTION 'test: recording refused once';
                        END IF;
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER test_refuse_sent_once BEFORE UPDATE ON deliveries FOR EACH ROW EXECUTE FUNCTION test_refuse_sent_once();
                """);
        }

        await app.Services.GetRequiredService<DeliveryJob>().RunBatchAsync([.. ids], CancellationToken.None);

        Assert.Equal(4, (await _smtp.WaitForMessagesAsync(4, TimeSpan.FromSeconds(30))).Count);
        await AssertSentOnceAsync(database, ids);
        await using var check = await database.OpenAsync();
        // Three "sent" recordings: the first delivery's refused one, the same again (alone), the second delivery's.
        Assert.Equal(3, await check.ExecuteScalarAsync<long>("SELECT last_value FROM test_refuse_sent_once"));
        Assert.Equal(0, await check.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM ledger_entries WHERE delivery_id = ANY(@ids) AND type = 'delivery.attempted'", new { ids }));
        Assert.Equal(4, _smtp.MessageCount);
    }

    private Task<HubApp> StartAsync(TestDatabase database) =>
        HubApp.StartAsync(database, extra: new Dictionary<string, string?>
        {
            ["Hub:Connectors:Email:Host"] = _smtp.Host,
            ["Hub:Connectors:Email:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hub:Connectors:Email:Security"] = "None",
            ["Hub:Connectors:Email:FromAddress"] = "convocations@mairie-saint-clair.fr",
        });

    /// <summary>A session of two members sent, then both deliveries put back in the queue as if never sent.</summary>
    private async Task<Guid[]> SentThenPendingAgainAsync(HubApp app, HubDatabase database)
    {
        var s = await Scenario.CreateAsync(app.Admin, members: 2);
        await app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        await _smtp.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        var ids = await Eventually.WaitAsync(
            async () =>
            {
                await using var connection = await database.OpenAsync();
                return (await connection.QueryAsync<Guid>(
                    "SELECT id FROM deliveries WHERE session_id = @id AND status = 'sent' ORDER BY id", new { id = s.SessionId })).ToArray();
            },
            sent => sent.Length == 2, TimeSpan.FromSeconds(30), "both deliveries recorded as sent");
        await using var reset = await database.OpenAsync();
        await reset.ExecuteAsync("UPDATE deliveries SET status = 'pending', sent_at = NULL, attempts = 0 WHERE id = ANY(@ids)", new { ids });
        return ids;
    }

    private static async Task<string> StatusAsync(HubDatabase database, Guid id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM deliveries WHERE id = @id", new { id }) ?? "";
    }

    private static async Task AssertSentOnceAsync(HubDatabase database, Guid[] ids)
    {
        await using DbConnection connection = await database.OpenAsync();
        var rows = (await connection.QueryAsync<(Guid Id, string Status, int Attempts)>(
            "SELECT id, status, attempts FROM deliveries WHERE id = ANY(@ids)", new { ids })).AsList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal(("sent", 1), (row.Status, row.Attempts)));
    }
}

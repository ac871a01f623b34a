using System.Diagnostics;
using Dapper;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace IntegrationHub.Tests.Faults;

/// <summary>
/// The SMTP server refuses connections (its port is closed) when the hub process sends, and comes back later on the
/// same port: every delivery completes exactly once, with its failed attempts recorded in the outbox and the ledger.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class SmtpOutageTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private const int Members = 40;

    [Fact]
    public async Task SmtpRefusesConnections_ThenRecovers_EveryDeliveryCompletesOnceWithAttemptsRecorded()
    {
        var extra = new Dictionary<string, string>();
        for (var i = 0; i < 10; i++)
        {
            extra[$"Hub__Dispatch__RetryDelays__{i}"] = "00:00:01";
        }
        var options = await HubProcess.PrepareAsync(TestDatabase.Sqlite, Environment(workers: 4, extra));
        using var db = options.OpenDatabase();
        var hub = await StartHubAsync(options, "hub");
        var s = await FaultScenario.CreateAsync(hub.Admin, Members);

        Smtp.Stop();
        var clock = Stopwatch.StartNew();
        await s.SendAsync(hub.Admin);
        await Eventually.WaitAsync(
            () => hub.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().All(c => c.GetProperty("deliveries")[0].GetProperty("attempts").GetInt32() >= 2),
            TimeSpan.FromSeconds(30), "every delivery to have failed at least twice");
        Assert.Equal(0, Smtp.MessageCount);
        var outage = clock.Elapsed;

        Smtp.Start();
        var done = await s.WaitAllSentAsync(hub.Admin, TimeSpan.FromSeconds(30));
        var recovered = clock.Elapsed - outage;

        var messages = await Smtp.WaitForMessagesAsync(Members, TimeSpan.FromSeconds(5));
        var perRecipient = s.CountPerRecipient(messages);
        Assert.All(perRecipient, p => Assert.Equal(1, p.Value));
        Assert.Equal(Members, messages.Count);
        var attempts = done.EnumerateArray().Select(c => c.GetProperty("deliveries")[0].GetProperty("attempts").GetInt32()).ToList();
        Assert.All(attempts, a => Assert.True(a > 1, $"{a} attempt(s) recorded"));

        await using (var connection = await db.OpenAsync())
        {
            // Each failed attempt is a fact of the ledger, written with the outbox row.
            var attempted = await connection.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM ledger_entries WHERE session_id = @SessionId AND type = @type",
                new { s.SessionId, type = LedgerEntryTypes.DeliveryAttempted });
            Assert.True(attempted >= Members, $"{attempted} delivery.attempted entries for {Members} deliveries");
        }
        await s.AssertOneSentFactPerDeliveryAsync(db);
        Report($"SMTP outage {outage.TotalSeconds:0.0} s; all {Members} sent {recovered.TotalSeconds:0.0} s after it came back; "
            + $"attempts min {attempts.Min()}, max {attempts.Max()}, total {attempts.Sum()}; duplicates 0");
    }
}

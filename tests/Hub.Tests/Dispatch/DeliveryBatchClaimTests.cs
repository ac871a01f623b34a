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
/// (or held by another worker) in the middle of a batch are skipped, the others are sent once, claimed once each.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class DeliveryBatchClaimTests : IDisposable
{
    private readonly SmtpSinkServer _smtp = new();

    public void Dispose() => _smtp.Dispose();

    [Fact]
    public async Task RunBatchAsync_SentRowsBetweenPendingOnes_SkipsThemAndSendsEachPendingOnceWithOneClaim()
    {
        await using var app = await HubApp.StartAsync(TestDatabase.Sqlite, extra: new Dictionary<string, string?>
        {
            ["Hub:Connectors:Email:Host"] = _smtp.Host,
            ["Hub:Connectors:Email:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hub:Connectors:Email:Security"] = "None",
            ["Hub:Connectors:Email:FromAddress"] = "convocations@mairie-saint-clair.fr",
        });
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
}

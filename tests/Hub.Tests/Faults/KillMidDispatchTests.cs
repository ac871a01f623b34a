using IntegrationHub.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace IntegrationHub.Tests.Faults;

/// <summary>
/// kill -9 of the hub process in the middle of a 1,000-delivery dispatch, then a restart on the same database: every
/// member gets the convocation, and a second copy only for a delivery that was "sending" when the process died
/// (accepted by the SMTP server, not yet recorded: the documented duplicate window). On SQLite (in-memory job storage)
/// the restart resumes every unfinished row; on PostgreSQL (Hangfire storage in the database) the queued jobs survive
/// and the rows left "sending" are taken over by the sweeper after the claim timeout (10 s here).
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class KillMidDispatchTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task KillMinus9MidDispatch_Restart_EveryMemberConvokedDuplicatesOnlyInTheWindow(TestDatabase database)
    {
        var options = await HubProcess.PrepareAsync(database, Environment(workers: 8));
        using var db = options.OpenDatabase();
        var first = await StartHubAsync(options, "hub-1");
        var s = await FaultScenario.CreateAsync(first.Admin, members: 1000);

        var kill = await KillMidDispatchAsync(s, first.Admin, first, db);

        var second = await StartHubAsync(options, "hub-2");
        await AssertRecoveredAsync(database.ToString(), s, second, db, kill, victimWasAlone: true);
    }
}

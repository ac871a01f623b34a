using IntegrationHub.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace IntegrationHub.Tests.Faults;

/// <summary>
/// Two hub processes on one PostgreSQL database (application data and Hangfire storage). One is killed with SIGKILL
/// mid-dispatch; the other finishes the work (its sweeper takes over the dead node's claims after the claim timeout).
/// No delivery is sent twice by the live processes; a second copy only exists for a delivery the dead node held.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class TwoNodesTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Fact]
    public async Task TwoNodesSharingPostgres_KillOne_TheOtherFinishesWithoutSendingTwice()
    {
        // One data directory for both nodes, as on a shared volume: they share the Data Protection keys that
        // protect the link signing key stored in the database.
        var options = await HubProcess.PrepareAsync(TestDatabase.Postgres, Environment(workers: 8));
        using var db = options.OpenDatabase();
        var a = await StartHubAsync(options, "node-a");
        var b = await StartHubAsync(options, "node-b");
        var s = await FaultScenario.CreateAsync(a.Admin, members: 500);

        // Sent through node-b, killed on node-a: both nodes' workers were taking jobs from the shared queue.
        var kill = await KillMidDispatchAsync(s, b.Admin, a, db);

        await AssertRecoveredAsync("two nodes", s, b, db, kill, victimWasAlone: false);
    }
}

using IntegrationHub.Persistence;
using Npgsql;
using Xunit;

namespace IntegrationHub.Tests.Persistence;

/// <summary>The SQLite writer turn: short transactions pass queued bulk ones, within a bound, and waits stay bounded.</summary>
public sealed class SqliteWriterTurnTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Release_ShortWaitingAfterBulk_GoesFirst()
    {
        var turn = new SqliteWriterTurn();
        Assert.True(await turn.WaitAsync(bulk: true, Long, CancellationToken.None));
        var order = new List<string>();
        var bulk = Take(turn, bulk: true, "bulk", order);
        var shortOne = Take(turn, bulk: false, "short", order);

        turn.Release();
        await Task.WhenAll(bulk, shortOne);

        Assert.Equal(["short", "bulk"], order);
    }

    [Fact]
    public async Task Release_ManyShortWaiting_ABulkGoesAfterTheBound()
    {
        var turn = new SqliteWriterTurn();
        Assert.True(await turn.WaitAsync(bulk: false, Long, CancellationToken.None));
        var order = new List<string>();
        var bulk = Take(turn, bulk: true, "bulk", order);
        var shorts = Enumerable.Range(0, SqliteWriterTurn.ShortTurnsBeforeBulk + 4).Select(i => Take(turn, bulk: false, $"short{i}", order)).ToList();

        turn.Release();
        await Task.WhenAll([bulk, .. shorts]);

        Assert.Equal(SqliteWriterTurn.ShortTurnsBeforeBulk, order.IndexOf("bulk"));
        Assert.Equal(SqliteWriterTurn.ShortTurnsBeforeBulk + 5, order.Count);
    }

    [Fact]
    public async Task WaitAsync_HolderNeverReleases_GivesUpAfterTheTimeoutAndLeavesTheQueue()
    {
        var turn = new SqliteWriterTurn();
        Assert.True(await turn.WaitAsync(bulk: false, Long, CancellationToken.None));

        Assert.False(await turn.WaitAsync(bulk: false, TimeSpan.FromMilliseconds(50), CancellationToken.None));

        // The one that gave up is no longer queued: the next waiter is served by the release.
        var next = turn.WaitAsync(bulk: true, Long, CancellationToken.None);
        turn.Release();
        Assert.True(await next);
    }

    [Theory]
    [InlineData("Host=db;Username=hub", true)]
    [InlineData("Host=db;Username=hub;Max Auto Prepare=0", false)]
    [InlineData("Host=db;Username=hub;Auto Prepare Min Usages=5", false)]
    public void WithAutoPrepare_OnlyWhenTheConnectionStringLeavesItUnset(string given, bool added)
    {
        var result = new NpgsqlConnectionStringBuilder(HubDatabase.WithAutoPrepare(given));

        Assert.Equal(added, result.MaxAutoPrepare > 0 && result.AutoPrepareMinUsages == 2);
        Assert.Equal("hub", result.Username);
    }

    private static async Task Take(SqliteWriterTurn turn, bool bulk, string name, List<string> order)
    {
        Assert.True(await turn.WaitAsync(bulk, Long, CancellationToken.None));
        lock (order)
        {
            order.Add(name);
        }
        turn.Release();
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Hosting;
using IntegrationHub.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

public sealed class LedgerAnchoringTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AnchorAsync_Head_StoresATokenOverTheHeadHashOnce(DatabaseProvider provider)
    {
        using var setup = await Setup.CreateAsync(provider);
        var (database, time, tsa, ledger, anchoring) = (setup.Database, setup.Time, setup.Tsa, setup.Ledger, setup.Anchoring);
        var authority = Guid.NewGuid();
        Assert.Null(await anchoring.AnchorAsync(authority, CancellationToken.None)); // empty chain: nothing to stamp
        await AppendAsync(database, authority, 3);

        var anchor = await anchoring.AnchorAsync(authority, CancellationToken.None);
        Assert.Null(await anchoring.AnchorAsync(authority, CancellationToken.None));

        var head = await ledger.GetHeadAsync(authority, CancellationToken.None);
        var stored = Assert.Single(await ledger.GetAnchorsAsync(authority, CancellationToken.None));
        Assert.Equal((3L, head.Hash, tsa.DisplayName, false, At), (stored.Seq, stored.HeadHash, stored.TsaName, stored.Qualified, stored.GeneratedAt));
        Assert.Equal(anchor!.Token, stored.Token);
        Assert.Equal(1, tsa.Calls);
        // The stamped digest is the head hash itself: what `openssl ts -verify -digest <head hash>` checks.
        Assert.True(Rfc3161TimestampToken.TryDecode(stored.Token, out var token, out _));
        Assert.Equal(Convert.FromHexString(head.Hash), token.TokenInfo.GetMessageHash().ToArray());
        Assert.True(token.VerifySignatureForHash(Convert.FromHexString(head.Hash), HashAlgorithmName.SHA256, out var signer, [tsa.Certificate]));
        Assert.Equal(tsa.Certificate.Thumbprint, signer!.Thumbprint);
        Assert.True((await ledger.VerifyChainAsync(authority, CancellationToken.None)).IsIntact);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AnchorAllAsync_TsaDown_LosesNothingAndTheNextRunAnchors(DatabaseProvider provider)
    {
        using var setup = await Setup.CreateAsync(provider);
        var (database, time, tsa, ledger, anchoring) = (setup.Database, setup.Time, setup.Tsa, setup.Ledger, setup.Anchoring);
        var (moved, still, empty) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await AppendAsync(database, moved, 2);
        await AppendAsync(database, still, 1);
        await anchoring.AnchorAsync(still, CancellationToken.None);

        tsa.FailuresLeft = 1;
        await Assert.ThrowsAsync<AggregateException>(() => anchoring.AnchorAllAsync(CancellationToken.None));
        Assert.Empty(await ledger.GetAnchorsAsync(moved, CancellationToken.None));
        await AppendAsync(database, moved, 1); // the ledger keeps recording while the TSA is down

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await anchoring.AnchorAllAsync(CancellationToken.None));
        var anchor = Assert.Single(await ledger.GetAnchorsAsync(moved, CancellationToken.None));
        Assert.Equal(3, anchor.Seq);
        Assert.Single(await ledger.GetAnchorsAsync(still, CancellationToken.None));
        Assert.Empty(await ledger.GetAnchorsAsync(empty, CancellationToken.None));
        Assert.Equal(0, await anchoring.AnchorAllAsync(CancellationToken.None));
        Assert.True((await ledger.VerifyChainAsync(moved, CancellationToken.None)).IsIntact);
    }

    [Theory]
    [InlineData("00:05:00", "*/5 * * * *")]
    [InlineData("01:00:00", "0 * * * *")]
    [InlineData("06:00:00", "0 */6 * * *")]
    [InlineData("1.00:00:00", "0 0 * * *")]
    [InlineData("00:07:00", null)]
    [InlineData("00:00:30", null)]
    [InlineData("05:00:00", null)]
    public void HubOptionsValidator_AnchorInterval_IsACronScheduleOrNamedError(string interval, string? cron)
    {
        var options = new HubOptions { Evidence = { AnchorInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) } };
        var result = new HubOptionsValidator().Validate(null, options);
        Assert.Equal(cron is null, result.Failed);
        Assert.Equal(cron, options.Evidence.AnchorCron());
        if (result.Failed)
        {
            Assert.Contains("Hub:Evidence:AnchorInterval", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    private sealed record Setup(HubDatabase Database, FakeTimeProvider Time, TestTimestampAuthority Tsa, EvidenceLedger Ledger, LedgerAnchoring Anchoring)
        : IDisposable
    {
        public static async Task<Setup> CreateAsync(DatabaseProvider provider)
        {
            var database = await LedgerDatabases.OpenAsync(provider);
            var time = new FakeTimeProvider(At);
            var tsa = new TestTimestampAuthority(time);
            var ledger = new EvidenceLedger(database);
            return new Setup(database, time, tsa, ledger, new LedgerAnchoring(database, ledger, tsa, time, NullLogger<LedgerAnchoring>.Instance));
        }

        public void Dispose()
        {
            Tsa.Dispose();
            Database.Dispose();
        }
    }

    private static async Task AppendAsync(HubDatabase database, Guid authority, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await database.InTransactionAsync((c, t) => new EvidenceLedger(database).AppendAsync(
                c, t, authority, LedgerEntryTypes.DeliverySent, LedgerSubject.None, new { i }, At));
        }
    }
}

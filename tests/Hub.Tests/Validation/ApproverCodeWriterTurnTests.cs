using System.Diagnostics;
using Dapper;
using IntegrationHub.Persistence;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.Validation.Decisions;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>
/// On SQLite a one-time code check writes (it counts the try): it takes the process's writer turn like every write
/// transaction, so during a long write (a dispatch) it waits for its turn and succeeds, where a write in autocommit
/// waited on SQLite's <c>busy_timeout</c> (5 s) and failed after it.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class ApproverCodeWriterTurnTests : IAsyncLifetime
{
    // PRAGMA busy_timeout set by HubDatabase on every SQLite connection.
    private static readonly TimeSpan SqliteBusyTimeout = TimeSpan.FromSeconds(5);
    private ApproverTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await ApproverTestbed.StartAsync(standInCircuits: true);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task CodeCheck_WhileAWriteTransactionHoldsTheDatabaseLongerThanBusyTimeout_WaitsItsTurnAndSucceeds()
    {
        var codes = _bed.App.Services.GetRequiredService<ApproverCodes>();
        var database = _bed.App.Services.GetRequiredService<HubDatabase>();
        var step = _bed.Step();
        _bed.Steps!.Put(step);
        await codes.RequestAsync(step, ApproverTestbed.Dgs, CancellationToken.None);
        var code = ApproverTestbed.CodeIn(ApproverTestbed.Mime((await _bed.Smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(20)))[0]));

        // A long write transaction of the process, as a dispatch's: it holds SQLite's write lock until released.
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("UPDATE approver_codes SET attempts = attempts", transaction: transaction);
            holding.SetResult();
            await release.Task;
        });
        await holding.Task;
        var held = Stopwatch.StartNew();
        var check = codes.CheckAsync(step.StepId, ApproverTestbed.Dgs, code, CancellationToken.None);

        // Longer than SQLite's busy_timeout: an autocommit write would have failed with SQLITE_BUSY by now.
        await Eventually.WaitAsync(
            () => Task.FromResult(check.IsCompleted || held.Elapsed > SqliteBusyTimeout + TimeSpan.FromSeconds(1)), done => done,
            TimeSpan.FromSeconds(20), "the check to end or to outwait busy_timeout");
        Assert.False(check.IsCompleted, $"the check ended ({check.Status}) while the write transaction held the database: {check.Exception?.GetBaseException().Message}");

        release.SetResult();
        await holder;
        Assert.IsType<CodeCheck.Proven>(await check);
    }
}

using System.Data.Common;
using System.Net;
using Dapper;
using IntegrationHub.Persistence;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.Validation;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>
/// Changes to a circuit racing each other on PostgreSQL (READ COMMITTED): the test holds the circuit's row lock, lets
/// the requests queue behind it in a known order, then releases it. Each request must act on the circuit as the one
/// before it left it, not on the row it read before waiting.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class ValidationCircuitRaceTests : IAsyncLifetime
{
    private const string Mayor = "maire@ville.example.org";

    private HubApp _app = null!;

    public async Task InitializeAsync() => _app = await HubApp.StartAsync(await HubApp.PrepareAsync(TestDatabase.Postgres));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task TwoUploadsAtOnce_OnAPendingCircuit_BothSucceed_AndLeaveOnePendingRound()
    {
        var (s, circuitId) = await ScenarioWithCircuitAsync();

        await using (var hold = await HoldCircuitAsync(circuitId))
        {
            var first = s.UploadAsync(_app.Admin, "annexe-1.pdf", Scenario.Pdf("Annexe 1"), kind: "annex");
            var second = s.UploadAsync(_app.Admin, "annexe-2.pdf", Scenario.Pdf("Annexe 2"), kind: "annex");
            await hold.WaitForWaitersAsync(2);
            await hold.ReleaseAsync();
            await Task.WhenAll(first, second);
        }

        var state = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/validation");
        Assert.Equal(("pending", 3, 3), (state.GetProperty("state").GetString(), state.GetProperty("round").GetInt32(), state.GetProperty("dossierVersion").GetInt32()));
        Assert.False(state.GetProperty("dossierChanged").GetBoolean());
        Assert.Equal([(3, "pending")], await PendingStepsAsync(circuitId));
    }

    [Fact]
    public async Task CancelQueuedBehindARestart_CancelsTheNewRound_NoStepLeftPending()
    {
        var (s, circuitId) = await ScenarioWithCircuitAsync();

        await using (var hold = await HoldCircuitAsync(circuitId))
        {
            var upload = s.UploadAsync(_app.Admin, "annexe.pdf", Scenario.Pdf("Annexe"), kind: "annex");
            await hold.WaitForWaitersAsync(1);
            var cancel = _app.Admin.DeleteAsync($"/api/sessions/{s.SessionId}/validation");
            await hold.WaitForWaitersAsync(2);
            await hold.ReleaseAsync();
            await upload;
            Assert.Equal(HttpStatusCode.NoContent, (await cancel).StatusCode);
        }

        var state = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/validation");
        Assert.Equal(("cancelled", 2), (state.GetProperty("state").GetString(), state.GetProperty("round").GetInt32()));
        Assert.Empty(await PendingStepsAsync(circuitId));
        Assert.Equal(["superseded"], state.GetProperty("steps").EnumerateArray().Select(x => x.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task DraftUpload_QueuedBehindASend_IsNotAddedAsToADraft_Answers409()
    {
        var (s, _) = await ScenarioWithCircuitAsync();
        var before = (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents")).GetArrayLength();

        // A send holding the session's row (draft → sent) when the upload comes, committing first.
        await using (var send = await HoldAsync("UPDATE sessions SET status = 'sent' WHERE id = @id AND status = 'draft'", s.SessionId))
        {
            var upload = s.UploadAsync(_app.Admin, "annexe.pdf", Scenario.Pdf("Annexe"), kind: "annex", expectedStatus: 409);
            await send.WaitForWaitersAsync(1);
            await send.ReleaseAsync();
            Assert.Equal("/problems/changed", (await upload).GetProperty("type").GetString());
        }

        Assert.Equal(before, (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents")).GetArrayLength());
    }

    private async Task<(Scenario Scenario, Guid CircuitId)> ScenarioWithCircuitAsync()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/validation-templates", new
        {
            name = "Circuit du conseil", steps = new[] { new { name = "Maire", rule = ValidationRules.Any, approvers = new[] { Mayor } } },
        });
        var state = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        return (s, state.GetProperty("id").GetGuid());
    }

    private async Task<List<(int Round, string State)>> PendingStepsAsync(Guid circuitId)
    {
        await using var connection = await _app.Services.GetRequiredService<HubDatabase>().OpenAsync();
        return (await connection.QueryAsync<(int, string)>(
            "SELECT round, state FROM validation_steps WHERE circuit_id = @circuitId AND state = @pending",
            new { circuitId, pending = StepStates.Pending })).AsList();
    }

    // FOR UPDATE, not an UPDATE: with no new row version the waiters take the lock in the order they queued.
    private Task<RowHold> HoldCircuitAsync(Guid circuitId) => HoldAsync("SELECT COUNT(*) FROM (SELECT id FROM validation_circuits WHERE id = @id FOR UPDATE) t", circuitId);

    private async Task<RowHold> HoldAsync(string sql, Guid id)
    {
        var connection = await _app.Services.GetRequiredService<HubDatabase>().OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(sql + (sql.StartsWith("UPDATE", StringComparison.Ordinal) ? " RETURNING 1" : ""), new { id }, transaction));
        return new RowHold(_app, connection, transaction);
    }

    /// <summary>A row lock, held by the test until released.</summary>
    private sealed class RowHold(HubApp app, DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        private bool _released;

        /// <summary>Waits until <paramref name="count"/> other backends of the hub's database wait on a lock.</summary>
        public async Task WaitForWaitersAsync(int count)
        {
            await using var probe = await app.Services.GetRequiredService<HubDatabase>().OpenAsync();
            await Eventually.WaitAsync(
                () => probe.ExecuteScalarAsync<int>(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"),
                n => n >= count, TimeSpan.FromSeconds(30), $"{count} request(s) queued behind the held row");
        }

        public async Task ReleaseAsync()
        {
            _released = true;
            await transaction.CommitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_released)
            {
                await transaction.RollbackAsync();
            }
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

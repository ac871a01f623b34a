using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit;

namespace IntegrationHub.Tests.Validation;

/// <summary>
/// A notice whose retry has no job in time (lost with a stopped node or the in-memory job storage) is found again by the
/// recurring validation job: here the retry's own job is ten minutes away, and the clock is moved past the row's time.
/// </summary>
[Collection(HubHostsGroup.Name)]
public abstract class ValidationNoticeSweepTests : IAsyncLifetime
{
    private readonly RecordingNotifier _notifier = new();
    private HubApp _app = null!;

    protected abstract TestDatabase Database { get; }

    public async Task InitializeAsync()
    {
        var settings = await HubApp.PrepareAsync(Database, extra: new Dictionary<string, string?>
        {
            ["Hub:Validation:NoticeRetryDelays:0"] = "00:10:00",
            // The tests run the sweep themselves: the recurring one (hourly here) must not post a notice for them.
            ["Hub:Validation:SweepInterval"] = "01:00:00",
        });
        // The recording notifier alone: the hub's own Teams and email notifiers are tested with the approvers' surfaces.
        _app = await HubApp.StartAsync(settings with
        {
            Services = s =>
            {
                s.RemoveAll<IValidationNotifier>();
                s.AddSingleton<IValidationNotifier>(_notifier);
            },
        });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Sweep_DueNoticeWithoutJob_IsPostedAgain_Once()
    {
        var (s, _) = await CircuitWhoseFirstNoticeFailedAsync();

        var job = _app.Services.GetRequiredService<ValidationDeadlineJob>();
        await job.RunAsync(CancellationToken.None);
        Assert.Equal((1, "pending"), await NoticeAsync(s.SessionId));

        ((ShiftedTimeProvider)_app.Services.GetRequiredService<TimeProvider>()).Advance(TimeSpan.FromMinutes(11));
        await job.RunAsync(CancellationToken.None);
        await job.RunAsync(CancellationToken.None);
        Assert.Equal((2, "sent"), await Eventually.WaitAsync(() => NoticeAsync(s.SessionId), n => n.Status == "sent", TimeSpan.FromSeconds(20), "the notice posted by the sweep"));
        Assert.Equal(2, _notifier.Attempts);
        Assert.Single(_notifier.Posted);
    }

    [Fact]
    public async Task RetryStartingJustBeforeItsNoticeIsDue_PutsItselfBack_WithoutWaitingForTheSweep()
    {
        var (s, noticeId) = await CircuitWhoseFirstNoticeFailedAsync();
        var due = (await _app.Services.GetRequiredService<ValidationStore>().GetNoticeAsync(noticeId, CancellationToken.None))!.NextAttemptAt;
        var clock = (ShiftedTimeProvider)_app.Services.GetRequiredService<TimeProvider>();
        clock.JumpTo(due + TimeSpan.FromMilliseconds(100));

        // The retry (its own job is ten minutes away) starts a millisecond before the notice's time and the instant
        // passes while it runs: its claim does nothing, and it must not leave the notice to the next sweep.
        using (var scope = _app.Services.CreateScope())
        {
            var job = ActivatorUtilities.CreateInstance<ValidationNoticeJob>(
                scope.ServiceProvider, new EarlyReadingsClock(clock, due - TimeSpan.FromMilliseconds(1), 1));
            await job.RunAsync(noticeId, CancellationToken.None);
        }

        Assert.Equal((2, "sent"), await Eventually.WaitAsync(() => NoticeAsync(s.SessionId), n => n.Status == "sent", TimeSpan.FromSeconds(15), "the notice posted by the job put back"));
        Assert.Single(_notifier.Posted);
    }

    /// <summary>
    /// A circuit started on a session, once its first notice's first attempt is settled as failed (its error recorded),
    /// not merely claimed: a claimed notice is also pending with one attempt, but its time is then its lease's end.
    /// </summary>
    private async Task<(Scenario Scenario, Guid NoticeId)> CircuitWhoseFirstNoticeFailedAsync()
    {
        _notifier.FailNext(1);
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var template = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/validation-templates", new
        {
            name = "Circuit", steps = new[] { new { name = "Maire", rule = "any", approvers = new[] { "maire@ville.example.org" } } },
        });
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/validation", new { templateId = template.Id() });
        var notice = await Eventually.WaitAsync(
            async () => (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/validation")).GetProperty("notices")[0],
            n => n.GetProperty("attempts").GetInt32() == 1 && n.GetProperty("lastError").GetString() is not null,
            TimeSpan.FromSeconds(20), "the first attempt to fail");
        return (s, notice.GetProperty("id").GetGuid());
    }

    private async Task<(int Attempts, string Status)> NoticeAsync(Guid sessionId)
    {
        var notice = (await _app.Admin.GetOkAsync($"/api/sessions/{sessionId}/validation")).GetProperty("notices")[0];
        return (notice.GetProperty("attempts").GetInt32(), notice.GetProperty("status").GetString()!);
    }
}

public sealed class ValidationNoticeSweepSqliteTests : ValidationNoticeSweepTests
{
    protected override TestDatabase Database => TestDatabase.Sqlite;
}

public sealed class ValidationNoticeSweepPostgresTests : ValidationNoticeSweepTests
{
    protected override TestDatabase Database => TestDatabase.Postgres;
}

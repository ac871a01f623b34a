using Hangfire;
using IntegrationHub.Hosting;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Validation;

/// <summary>
/// Posts one notice of the outbox through the notifier of its channel. The claim leases the row for one attempt, so a
/// second job for the same notice (a retry and the sweep) does nothing, and a notice whose node died mid-post is due
/// again when the lease ends. The hub owns the retries: a notifier that throws is tried again after the configured
/// delays, each attempt recorded in the row.
/// </summary>
public sealed class ValidationNoticeJob(
    ValidationStore store,
    ValidationService validation,
    IEnumerable<IValidationNotifier> notifiers,
    IBackgroundJobClient jobs,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<ValidationNoticeJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(Guid noticeId, CancellationToken cancellationToken)
    {
        var settings = options.Value.Validation;
        var now = time.GetUtcNow();
        if (await store.TryClaimNoticeAsync(noticeId, now, now + settings.NoticeLease, cancellationToken) is not { } notice)
        {
            await PutBackIfNotYetDueAsync(noticeId);
            return;
        }
        var notifier = notifiers.FirstOrDefault(n => n.Channel == notice.Channel);
        var step = await validation.GetStepAsync(notice.StepId, cancellationToken);
        if (notifier is null || step is null)
        {
            await store.SettleNoticeAsync(notice, ValidationNoticeStatus.Failed, $"No notifier for channel '{notice.Channel}'.", now, now, cancellationToken);
            logger.LogError("Validation notice {NoticeId}: no notifier is registered for channel {Channel}", notice.Id, notice.Channel);
            return;
        }
        // Asking approvers to decide on a step that was decided or replaced meanwhile would only mislead them.
        if (notice.Kind is ValidationNoticeKinds.StepOpened or ValidationNoticeKinds.StepReminder && step.State != StepStates.Pending)
        {
            await store.SettleNoticeAsync(notice, ValidationNoticeStatus.Superseded, null, now, now, cancellationToken);
            return;
        }
        ValidationDecisionView? decision = null;
        if (notice.DecisionId is { } decisionId)
        {
            await using var connection = await store.OpenAsync(cancellationToken);
            decision = (await ValidationStore.GetDecisionAsync(connection, decisionId))?.ToView();
        }
        try
        {
            await notifier.NotifyAsync(new ValidationNotice(notice.Id, notice.Kind, step, decision), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The job's boundary: whatever the notifier threw, the notice stays in the outbox and is tried again later.
            var delays = settings.EffectiveNoticeRetryDelays;
            var failedAt = time.GetUtcNow();
            // A permanent failure (a Teams flow deleted, an address refused) cannot be helped by trying again: it is
            // recorded at once, with the notifier's reason, for the secretariat to fix the configuration.
            if (ex is Plugins.Channels.PermanentDeliveryException || notice.Attempts > delays.Count)
            {
                await store.SettleNoticeAsync(notice, ValidationNoticeStatus.Failed, ex.Message, failedAt, failedAt, cancellationToken);
                logger.LogError(ex, "Validation notice {NoticeId} ({Kind}, {Channel}) failed for good after {Attempts} attempts", notice.Id, notice.Kind, notice.Channel, notice.Attempts);
                return;
            }
            var delay = delays[notice.Attempts - 1];
            await store.SettleNoticeAsync(notice, ValidationNoticeStatus.Pending, ex.Message, failedAt + delay, failedAt, cancellationToken);
            jobs.RunAfter<ValidationNoticeJob>(j => j.RunAsync(notice.Id, CancellationToken.None), delay);
            logger.LogWarning(ex, "Validation notice {NoticeId} ({Kind}, {Channel}) failed, attempt {Attempts}; retrying in {Delay}", notice.Id, notice.Kind, notice.Channel, notice.Attempts, delay);
            return;
        }
        await store.SettleNoticeAsync(notice, ValidationNoticeStatus.Sent, null, now, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>
    /// A job that could not claim a notice still pending started before its time (Hangfire's whole seconds, another
    /// node's clock a little behind, the clock passing the due instant during the claim) or while another attempt holds
    /// its lease: it puts itself back for the time that remains (at once if none does), rather than leave the notice to
    /// the sweep of <see cref="ValidationDeadlineJob"/> (<c>Hub:Validation:SweepInterval</c>).
    /// </summary>
    private async Task PutBackIfNotYetDueAsync(Guid noticeId)
    {
        if (await store.GetNoticeAsync(noticeId, CancellationToken.None) is not { Status: ValidationNoticeStatus.Pending } notice)
        {
            return;
        }
        jobs.RunAfter<ValidationNoticeJob>(j => j.RunAsync(noticeId, CancellationToken.None), notice.NextAttemptAt - time.GetUtcNow());
    }
}

/// <summary>
/// The recurring validation job: queues each step's reminder once its time has come (deadline − reminder), puts back in
/// the queue the notices that are due but have no job (lost with a stopped node or the in-memory job storage), and purges
/// the approvers' spent or expired one-time codes (anyone with a step link may ask for codes).
/// </summary>
public sealed class ValidationDeadlineJob(
    ValidationStore store, ValidationService validation, Decisions.ApproverCodes codes, TimeProvider time, ILogger<ValidationDeadlineJob> logger)
{
    public const string RecurringJobId = "validation-deadlines";

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var reminders = 0;
        foreach (var step in await store.RemindersDueAsync(now, cancellationToken))
        {
            if (await validation.RemindAsync(step, cancellationToken))
            {
                reminders++;
            }
        }
        var due = await store.DueNoticesAsync(now, cancellationToken);
        validation.EnqueueNotices(due);
        var purged = await codes.PurgeAsync(cancellationToken);
        if (reminders > 0 || due.Count > 0 || purged > 0)
        {
            logger.LogInformation("Validation sweep: {Reminders} reminders queued, {Due} notices re-enqueued, {Purged} approver codes purged", reminders, due.Count, purged);
        }
    }
}

/// <summary>Registers the recurring validation job at start-up (Hangfire keeps one schedule for all nodes).</summary>
public sealed class ValidationSchedule(IRecurringJobManager jobs, IOptions<HubOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.AddOrUpdate<ValidationDeadlineJob>(
            ValidationDeadlineJob.RecurringJobId, j => j.RunAsync(CancellationToken.None), IntervalCron.Of(options.Value.Validation.SweepInterval)!);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

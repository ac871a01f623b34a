using Hangfire;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Hosting;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Dispatch;

/// <summary>
/// Sends deliveries, one after another: one delivery (a retry, a calendar answer) or the batch a dispatch enqueued
/// together. Takes ids, reads current state, and is idempotent: a delivery already sent, or held by another worker, is
/// left alone. Each delivery is claimed just before it is sent and its outcome recorded right after with its event
/// and ledger entry; within a batch, the transaction that records a delivery's outcome also claims the next one
/// (<see cref="DeliveryStore.NextClaim"/>), so a batch of n costs n + 1 write transactions instead of 2n. Outcomes
/// are never grouped: at most one message per worker can be out without its outcome recorded. A batch shares only
/// the job, the reads that cannot change while it runs, and the final "is the dispatch settled" check. A batch
/// interrupted by shutdown releases the row it had already claimed (back to pending, attempt not counted) and leaves
/// the rest pending, where the start-up resume or <see cref="DeliverySweeper"/> finds them; after a crash that claimed
/// row stays "sending" until the start-up resume or the claim timeout. Retries are recorded in the outbox row (not
/// only in Hangfire's storage), so they survive a restart on in-memory job storage.
/// </summary>
public sealed class DeliveryJob(
    DeliveryStore deliveries,
    DeliveryContentLoader content,
    ConnectorInstances.ChannelResolver channels,
    IBackgroundJobClient jobs,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<DeliveryJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(Guid deliveryId, CancellationToken cancellationToken) => RunBatchAsync([deliveryId], cancellationToken);

    [AutomaticRetry(Attempts = 0)]
    public async Task RunBatchAsync(Guid[] deliveryIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveryIds);
        var dispatch = options.Value.Dispatch;
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        var rows = (await deliveries.GetManyAsync(deliveryIds, CancellationToken.None)).ToDictionary(d => d.Id);
        var batch = new Batch();
        var toSend = new List<Delivery>();
        foreach (var id in deliveryIds)
        {
            if (!rows.TryGetValue(id, out var delivery))
            {
                continue;
            }
            if (delivery is { Channel: ChannelNames.Calendar, SessionId: { } sessionId })
            {
                // One event per session: the calendar job takes every pending calendar row of the session at once.
                if (batch.CalendarSessions.Add(sessionId))
                {
                    jobs.Enqueue<Calendars.CalendarPublishJob>(j => j.RunAsync(sessionId, CancellationToken.None));
                }
                continue;
            }
            toSend.Add(delivery);
        }
        var settled = new List<Delivery>();
        DeliveryStore.NextClaim? claimedBefore = null;
        for (var i = 0; i < toSend.Count; i++)
        {
            var delivery = toSend[i];
            // Claimed by the previous delivery's outcome transaction (tried there: not tried again).
            var preClaimed = claimedBefore is { Tried: true } && claimedBefore.Delivery == delivery ? claimedBefore : null;
            claimedBefore = null;
            if (cancellationToken.IsCancellationRequested)
            {
                if (preClaimed is { Claimed: true })
                {
                    await deliveries.ReleaseAsync(delivery, DeliveryStore.ReleasedAtShutdown, time.GetUtcNow());
                }
                return;
            }
            if (!(preClaimed?.Claimed ?? await deliveries.ClaimAsync(delivery, time.GetUtcNow(), dispatch.ClaimTimeout, cancellationToken)))
            {
                await RescheduleIfNotYetDueAsync(delivery.Id);
                continue;
            }
            claimedBefore = i + 1 < toSend.Count ? new DeliveryStore.NextClaim(toSend[i + 1], dispatch.ClaimTimeout) : null;
            bool done;
            try
            {
                done = await AttemptAsync(delivery, dispatch, batch, claimedBefore, cancellationToken);
            }
            catch when (claimedBefore is { Claimed: true })
            {
                // Failing after the outcome was recorded (e.g. scheduling the retry): the next row goes back to the
                // queue now rather than waiting out the claim timeout.
                await deliveries.ReleaseAsync(claimedBefore.Delivery, DeliveryStore.ReleasedAfterFailure, time.GetUtcNow());
                throw;
            }
            if (done)
            {
                settled.Add(delivery);
            }
        }
        await AnchorSettledDispatchesAsync(settled);
    }

    /// <summary>
    /// A dispatch this job completed gets its last facts (sent, failed) time-stamped now rather than at the next period;
    /// asked once per session (a mailing's rows, once each) rather than after every delivery.
    /// </summary>
    private async Task AnchorSettledDispatchesAsync(List<Delivery> settled)
    {
        var anchored = new HashSet<Guid>();
        foreach (var delivery in settled.DistinctBy(d => d.SessionId ?? d.Id))
        {
            if (!anchored.Contains(delivery.AuthorityId) && await deliveries.IsBatchSettledAsync(delivery, CancellationToken.None))
            {
                anchored.Add(delivery.AuthorityId);
                jobs.Enqueue<LedgerAnchoring>(a => a.AnchorAsync(delivery.AuthorityId, CancellationToken.None));
            }
        }
    }

    /// <summary>What the deliveries of one job share: their channels (one connector per authority and channel) and content reads.</summary>
    private sealed class Batch
    {
        public Dictionary<(Guid AuthorityId, string Channel), ConnectorInstances.ResolvedChannel?> Channels { get; } = [];
        public DeliveryContentLoader.SharedReads Content { get; } = new();
        public HashSet<Guid> CalendarSessions { get; } = [];
    }

    private async Task<ConnectorInstances.ResolvedChannel?> ResolveAsync(Delivery delivery, Batch batch)
    {
        var key = (delivery.AuthorityId, delivery.Channel);
        if (!batch.Channels.TryGetValue(key, out var resolved))
        {
            resolved = await channels.ResolveAsync(delivery.AuthorityId, delivery.Channel, CancellationToken.None);
            batch.Channels[key] = resolved;
        }
        return resolved;
    }

    /// <summary>One attempt; true when the delivery is settled (sent, failed for good, superseded), false when it will run again.</summary>
    /// <remarks>
    /// The outcome's transaction claims <paramref name="next"/> too, except when the worker is stopping (the delivery
    /// is released and nothing more is claimed).
    /// </remarks>
    private async Task<bool> AttemptAsync(
        Delivery delivery, DispatchOptions dispatch, Batch batch, DeliveryStore.NextClaim? next, CancellationToken cancellationToken)
    {
        RecipientAddress? address = null;
        // Not claimed when stopping: it would only be released again (the loop stops before the next delivery).
        DeliveryStore.NextClaim? NextUnlessStopping() => cancellationToken.IsCancellationRequested ? null : next;
        DeliveryReceipt receipt;
        SentMessageEvidence evidence;
        try
        {
            var (channel, channelAddress) = await ResolveAsync(delivery, batch)
                ?? throw new PermanentDeliveryException($"No channel '{delivery.Channel}' is configured for this authority.");
            address = channelAddress;
            var session = await content.CurrentSessionAsync(delivery);
            if (delivery.Purpose != DeliveryPurpose.Cancellation && session?.Status == Sessions.SessionStatus.Cancelled)
            {
                await deliveries.MarkSupersededAsync(delivery, "session cancelled before this message went out", time.GetUtcNow(), NextUnlessStopping());
                return true;
            }
            var message = await content.ComposeAsync(delivery, session, batch.Content, CancellationToken.None);
            if (cancellationToken.IsCancellationRequested)
            {
                await deliveries.ReleaseAsync(delivery, DeliveryStore.ReleasedAtShutdown, time.GetUtcNow());
                return false;
            }
            // Once the call has started it is not cancelled on shutdown: a half-finished send is worse than a slower
            // stop (the provider may accept the message while we stop listening, and we would send it again).
            receipt = await channel.SendAsync(message, CancellationToken.None);
            evidence = SentMessageEvidence.Of(message, channelAddress);
        }
        catch (PermanentDeliveryException ex)
        {
            logger.LogWarning(ex, "Delivery {DeliveryId} through {Channel} failed permanently", delivery.Id, delivery.Channel);
            await deliveries.MarkFailedAsync(delivery, ex.Message, time.GetUtcNow(), NextUnlessStopping());
            if (ex.AddressRejected && address == RecipientAddress.Mobile)
            {
                await content.FlagMobileAsync(delivery, ex.Message);
            }
            return true;
        }
        catch (Exception ex)
        {
            // Every other failure is transient by the channel contract (IChannel remarks).
            return await RetryOrFailAsync(delivery, ex, dispatch, NextUnlessStopping());
        }
        // Outside the try: the provider accepted the message, so no failure from here on may schedule a retry.
        return await RecordSentAsync(delivery, receipt, evidence, NextUnlessStopping());
    }

    /// <summary>
    /// Records a message the provider accepted; true when recorded. A failed recording (a deadlock, a lost connection)
    /// is tried again, alone, without claiming the next delivery. If it still fails the row stays "sending", as after a
    /// crash: the claim timeout or the start-up resume sends it again (the documented duplicate window), which is
    /// still better than a retry scheduled at once and a false "attempt failed" in the ledger.
    /// </summary>
    private async Task<bool> RecordSentAsync(Delivery delivery, DeliveryReceipt receipt, SentMessageEvidence evidence, DeliveryStore.NextClaim? next)
    {
        const int Tries = 3;
        var sentAt = time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (!await deliveries.MarkSentAsync(
                    delivery, sentAt, receipt.ProviderMessageId, receipt.ProviderResponse, evidence, time.GetUtcNow(), attempt == 1 ? next : null))
                {
                    logger.LogWarning("Delivery {DeliveryId} was sent but another worker had taken it over: kept as an event", delivery.Id);
                }
                logger.LogInformation("Delivery {DeliveryId} sent through {Channel} as {ProviderMessageId}", delivery.Id, delivery.Channel, receipt.ProviderMessageId);
                return true;
            }
            catch (Exception ex) when (attempt < Tries)
            {
                logger.LogWarning(ex, "Delivery {DeliveryId} was sent but recording it failed (try {Try}); recording it again", delivery.Id, attempt);
            }
            catch (Exception ex)
            {
                logger.LogError(
                    ex, "Delivery {DeliveryId} was sent as {ProviderMessageId} but could not be recorded: left sending, it may go out again after the claim timeout",
                    delivery.Id, receipt.ProviderMessageId);
                return false;
            }
        }
    }

    /// <summary>
    /// Hangfire keeps schedule times in whole seconds, so a retry may start slightly before the row's
    /// <c>next_attempt_at</c>: the claim then declines, and the job puts itself back through
    /// <see cref="JobSchedules.RunAfter"/>, which the calendar and notice jobs use too (it cannot start early twice).
    /// </summary>
    private async Task RescheduleIfNotYetDueAsync(Guid deliveryId)
    {
        var delivery = await deliveries.GetAsync(deliveryId, CancellationToken.None);
        if (delivery is not { Status: DeliveryStatus.Pending, NextAttemptAt: { } due })
        {
            return;
        }
        // If the due time passed between the claim and this read, RunAfter runs it again at once rather than strand it.
        jobs.RunAfter<DeliveryJob>(j => j.RunAsync(deliveryId, CancellationToken.None), due - time.GetUtcNow());
    }

    /// <summary>
    /// How long to wait before attempt <paramref name="attempt"/> + 1 (at least what the provider asked for), or
    /// <see langword="null"/> when the attempts are exhausted.
    /// </summary>
    internal static TimeSpan? RetryDelay(int attempt, DispatchOptions dispatch, Exception error)
    {
        var delays = dispatch.EffectiveRetryDelays;
        if (attempt > delays.Count)
        {
            return null;
        }
        var delay = delays[attempt - 1];
        return error is TransientDeliveryException { RetryAfter: { } retryAfter } && retryAfter > delay ? retryAfter : delay;
    }

    /// <summary>Schedules the next attempt, or fails the delivery when none is left (true: settled).</summary>
    private async Task<bool> RetryOrFailAsync(Delivery delivery, Exception error, DispatchOptions dispatch, DeliveryStore.NextClaim? next)
    {
        var now = time.GetUtcNow();
        var attempt = delivery.Attempts; // already counted by the claim
        if (RetryDelay(attempt, dispatch, error) is not { } delay)
        {
            logger.LogWarning(error, "Delivery {DeliveryId} failed after {Attempts} attempts", delivery.Id, attempt);
            await deliveries.MarkFailedAsync(delivery, $"{error.Message} (after {attempt} attempts)", now, next);
            return true;
        }
        logger.LogInformation("Delivery {DeliveryId} attempt {Attempt} failed ({Error}); retrying in {Delay}", delivery.Id, attempt, error.Message, delay);
        await deliveries.ScheduleRetryAsync(delivery, error.Message, now + delay, now, next);
        jobs.Schedule<DeliveryJob>(j => j.RunAsync(delivery.Id, CancellationToken.None), delay);
        return false;
    }
}

using Hangfire;
using Hangfire.InMemory;
using IntegrationHub.Hosting;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Dispatch;

/// <summary>
/// Nothing accepted is lost: at start-up, unfinished deliveries are put back in the queue; then, periodically,
/// deliveries that should be in a worker's hands but are not (due retries whose job was lost, rows abandoned by a
/// stopped node) are enqueued again. The claim in <see cref="DeliveryStore.ClaimAsync"/> keeps this harmless
/// when a job does exist.
/// </summary>
public sealed class DeliverySweeper(
    DeliveryStore deliveries,
    DispatchService dispatch,
    JobStorage storage,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<DeliverySweeper> logger) : BackgroundService
{
    // When this node last put each overdue delivery back in the queue. A long dispatch keeps thousands of rows pending
    // behind their (still queued) jobs: without this, every sweep would enqueue all of them again.
    private readonly Dictionary<Guid, DateTimeOffset> _requeuedAt = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Dispatch;
        if (storage is InMemoryStorage)
        {
            // In-memory job storage died with the previous process and cannot be shared: no other node exists.
            var resumed = await deliveries.ResumeAllUnfinishedAsync(time.GetUtcNow(), stoppingToken);
            if (resumed.Count > 0)
            {
                logger.LogInformation("Resuming {Count} unfinished deliveries after start-up", resumed.Count);
                dispatch.Enqueue(resumed);
            }
        }
        using var timer = new PeriodicTimer(settings.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                var overdue = await deliveries.OverdueAsync(now, settings.SweepInterval, settings.ClaimTimeout, stoppingToken);
                var toEnqueue = ThrottleRequeues(overdue, now, settings.ClaimTimeout);
                if (toEnqueue.Count > 0)
                {
                    logger.LogInformation("Re-enqueuing {Count} overdue deliveries", toEnqueue.Count);
                    dispatch.Enqueue(toEnqueue);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A sweep that fails (database briefly unreachable) is retried at the next tick.
                logger.LogError(ex, "Delivery sweep failed");
            }
        }
    }

    /// <summary>
    /// The overdue deliveries not re-enqueued by this node within <paramref name="claimTimeout"/>: a job lost for good is
    /// enqueued again after that long at the latest, the same bound as a claim abandoned by a stopped node.
    /// </summary>
    private List<Guid> ThrottleRequeues(IReadOnlyList<Guid> overdue, DateTimeOffset now, TimeSpan claimTimeout)
    {
        var stillOverdue = overdue.ToHashSet();
        foreach (var id in _requeuedAt.Keys.Where(id => !stillOverdue.Contains(id)).ToList())
        {
            _requeuedAt.Remove(id);
        }
        var due = overdue.Where(id => !_requeuedAt.TryGetValue(id, out var at) || now - at >= claimTimeout).ToList();
        foreach (var id in due)
        {
            _requeuedAt[id] = now;
        }
        return due;
    }
}

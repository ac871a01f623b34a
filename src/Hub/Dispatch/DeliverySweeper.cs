using Hangfire;
using Hangfire.InMemory;
using IntegrationHub.Hosting;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Dispatch;

/// <summary>
/// Nothing accepted is lost: at start-up, unfinished deliveries are put back in the queue; then, periodically,
/// deliveries that should be in a worker's hands but are not (due retries whose job was lost, rows abandoned by a
/// stopped node) are enqueued again. The claim in <see cref="DeliveryStore.TryClaimAsync"/> keeps this harmless
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
                var overdue = await deliveries.OverdueAsync(time.GetUtcNow(), settings.SweepInterval, settings.ClaimTimeout, stoppingToken);
                if (overdue.Count > 0)
                {
                    logger.LogInformation("Re-enqueuing {Count} overdue deliveries", overdue.Count);
                    dispatch.Enqueue(overdue);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A sweep that fails (database briefly unreachable) is retried at the next tick.
                logger.LogError(ex, "Delivery sweep failed");
            }
        }
    }
}

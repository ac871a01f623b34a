using System.Linq.Expressions;
using Hangfire;

namespace IntegrationHub.Hosting;

/// <summary>Running a self-scheduling job again once its rows are due, never before.</summary>
internal static class JobSchedules
{
    /// <summary>
    /// Runs <paramref name="job"/> once <paramref name="wait"/> has passed (at once when it has already). Hangfire's
    /// storages keep a schedule's time in whole seconds, rounded down, and start the job as soon as that second has come,
    /// so up to a second before the rows are due (their claim then does nothing): one more second keeps the start after
    /// the rows' time. Seen on PostgreSQL with validation notices and in CI with calendar retries.
    /// </summary>
    public static void RunAfter<TJob>(this IBackgroundJobClient jobs, Expression<Func<TJob, Task>> job, TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            jobs.Schedule(job, wait + TimeSpan.FromSeconds(1));
        }
        else
        {
            jobs.Enqueue(job);
        }
    }
}

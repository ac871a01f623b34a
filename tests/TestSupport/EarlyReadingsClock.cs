namespace IntegrationHub.TestSupport;

/// <summary>
/// A clock whose first <paramref name="count"/> readings are <paramref name="early"/>, and the later ones
/// <paramref name="then"/>'s: a job that Hangfire started just before its rows' time (it keeps schedules in whole
/// seconds) and during which the due instant passes.
/// </summary>
public sealed class EarlyReadingsClock(TimeProvider then, DateTimeOffset early, int count) : TimeProvider
{
    private int _readings;

    public override DateTimeOffset GetUtcNow() => Interlocked.Increment(ref _readings) <= count ? early : then.GetUtcNow();
}

namespace IntegrationHub.TestSupport;

/// <summary>
/// A clock that starts at a chosen instant and then runs at real speed: legal dates are deterministic, while
/// retries, timers and Hangfire's schedules still see time pass.
/// </summary>
public sealed class ShiftedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly TimeSpan _offset = start - TimeProvider.System.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + _offset;
}

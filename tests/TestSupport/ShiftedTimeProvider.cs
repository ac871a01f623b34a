namespace IntegrationHub.TestSupport;

/// <summary>
/// A clock that starts at a chosen instant and then runs at real speed: legal dates are deterministic, while
/// retries, timers and Hangfire's schedules still see time pass. <see cref="Advance"/> jumps ahead (a later day).
/// </summary>
public sealed class ShiftedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _offsetTicks = (start - TimeProvider.System.GetUtcNow()).Ticks;

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    /// <summary>Jumps so that it is now <paramref name="instant"/> (give or take the time this call takes).</summary>
    public void JumpTo(DateTimeOffset instant) => Advance(instant - GetUtcNow());
}

namespace DurableAgentOps.DevServices.Shared;

/// <summary>
/// The clock of everything DevServices issues and validates: the real clock plus an offset that only grows
/// (<c>POST /_dev/clock</c>), so a test moves two days forward without waiting for them.
/// </summary>
internal sealed class DevClock(TimeProvider inner) : TimeProvider
{
    private long offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Offset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    /// <summary>Moves the clock forward by <paramref name="by"/> (positive); answers the new offset.</summary>
    public TimeSpan Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(by, TimeSpan.Zero);
        return TimeSpan.FromTicks(Interlocked.Add(ref offsetTicks, by.Ticks));
    }
}

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// A durable timer that fired. <see cref="Ordinal"/> says which of the run's timers it was (0 for the first it created,
/// in creation order) and <see cref="FireAt"/> the time it was set for. Either may be unknown (null, as a recording
/// rebuilt from the ledger may have them): the replay then pairs it by the other, or with today's earliest open timer.
/// </summary>
internal sealed record RecordedTimer(int? Ordinal, DateTime? FireAt, DateTime At) : RecordedItem(At);

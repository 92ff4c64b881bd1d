namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// One piece of work the recorded run scheduled: an activity call (<see cref="Item"/> is the recorded item that holds its
/// result) or the <see cref="TimerOrdinal"/>-th timer it set.
/// </summary>
internal sealed record ScheduledWork(RecordedActivity? Activity, int Item, RecordedTimerSet? Timer, int TimerOrdinal);

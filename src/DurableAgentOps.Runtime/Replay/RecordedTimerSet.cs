namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// A durable timer the run set (a history's TimerCreated), whether or not it fired: <see cref="Id"/> is its sequence
/// number among all the work the run scheduled (the engine numbers activity calls and timers in one sequence),
/// <see cref="FireAt"/> the time it was set for, <see cref="At"/> the orchestration's time when it was set. Setting a
/// timer receives nothing, so these are listed apart from the items (<see cref="RecordedRun.TimersSet"/>).
/// </summary>
public sealed record RecordedTimerSet(int Id, DateTime FireAt, DateTime At);

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// How much a replay compared: the recorded activity calls, events and timer firings handed to today's code, and the
/// bookkeeping calls (evidence appends) today's code made, which the replay answered without comparing.
/// </summary>
public sealed record ReplayCounts(int Activities, int Events, int Timers, int Bookkeeping = 0)
{
    public override string ToString() => $"{Activities} activities, {Events} events, {Timers} timers compared";
}

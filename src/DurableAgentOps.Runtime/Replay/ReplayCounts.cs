namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// How much a replay compared: the recorded activity calls, events and timer firings handed to today's code, and the
/// evidence appends today's code made (<see cref="Bookkeeping"/>, retries not counted): compared with the run's from a
/// history, answered by the replay from the ledger, so a run counts the same from both. Admission calls and wake-ups
/// (load control the ledger does not keep) are compared where a history holds them, not counted.
/// </summary>
public sealed record ReplayCounts(int Activities, int Events, int Timers, int Bookkeeping = 0)
{
    public override string ToString() => $"{Activities} activities, {Events} events, {Timers} timers compared";
}

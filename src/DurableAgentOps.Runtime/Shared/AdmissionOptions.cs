namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// How many runs advance at once before their first gate (section <c>AgentOps:Admission</c>). Without a limit, runs
/// started together take their steps in lockstep: every run's next activity queues behind every other run's, so none
/// reaches its gate until nearly all do. With one, a run past the limit waits (phase <c>queued</c>) and is admitted when
/// a run ahead of it parks at its gate or ends, oldest first.
/// </summary>
public sealed class AdmissionOptions
{
    public const string Section = "AgentOps:Admission";

    /// <summary>
    /// The most runs of this task hub in their stretch before the first gate at once; 0 admits every run at once. Measured
    /// on one 2-CPU host (bench/results/README.md): for 200 runs 12 places park them as fast as 32 with shorter tails,
    /// but 1,000 runs with 12 parked slower than with no limit (the few runs in flight waited on a slowing store rather
    /// than keeping it busy), so the default keeps more in flight. A cluster raises it with its hosts' activity slots.
    /// </summary>
    public int MaxActiveRuns { get; set; } = 32;

    /// <summary>
    /// How long a run may hold its place before others may take it: a run terminated while it held one, or whose host
    /// died for good, gives it back after this.
    /// </summary>
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromMinutes(15);
}

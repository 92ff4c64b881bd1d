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
    /// on one 2-CPU host (bench/results/README.md): 12 parks 200 runs as fast as 32 does, and the last runs admitted
    /// together reach their gate within 8 s instead of 26 s. A cluster raises it with its hosts' activity slots.
    /// </summary>
    public int MaxActiveRuns { get; set; } = 12;

    /// <summary>
    /// How long a run may hold its place before others may take it: a run terminated while it held one, or whose host
    /// died for good, gives it back after this.
    /// </summary>
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromMinutes(15);
}

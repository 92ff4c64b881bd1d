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
    /// on one 2-CPU host with Azurite (bench/results/README.md): for 200 runs 12 places park them as fast as 32 with
    /// shorter tails; 1,000 runs started at once reach their first gates at once with 32 (22 s, against about 8 minutes
    /// with no limit) but all park later (39 minutes against 17: the runs in flight wait on a store that slows as it
    /// fills, rather than keeping it busy). A cluster raises it with its hosts' activity slots.
    /// </summary>
    public int MaxActiveRuns { get; set; } = 32;

    /// <summary>
    /// How long a run may hold its place before others may take it: a run terminated while it held one, or whose host
    /// died for good, gives it back after this.
    /// </summary>
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromMinutes(15);
}

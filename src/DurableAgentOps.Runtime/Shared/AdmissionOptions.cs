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
    /// The most runs of this task hub in their stretch before the first gate at once; 0 admits every run at once. The
    /// default, 10, is one host's default activity slots (maxConcurrentActivityFunctions; it does not follow that
    /// setting): runs admitted together advance together, so with no more of them than slots each one's next step
    /// starts at once instead of queueing behind the others'. Measured on one 2-CPU host with Azurite, 400 runs started at once (bench/results/README.md): with 10
    /// places all parked in 227 s, the first after 6 s; with 32, in 330–393 s, the first after 15–26 s. A cluster
    /// raises it with its hosts' activity slots.
    /// </summary>
    public int MaxActiveRuns { get; set; } = 10;

    /// <summary>
    /// How long a run may hold its place before others may take it: a run terminated while it held one, or whose host
    /// died for good, gives it back after this.
    /// </summary>
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromMinutes(15);
}

using DurableAgentOps.Core.Snapshot;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// How to replay: against today's deployed definition of the run's workflow (<see cref="CurrentDefinition"/>, the
/// default), or against the definition the run recorded (<see cref="UseRecordedDefinition"/>: then only code changes
/// show). Pass today's definition in both cases to learn whether it changed.
/// </summary>
public sealed record ReplayOptions
{
    /// <summary>Today's snapshot of the workflow the run is of; it replaces what the run's definition load returned.</summary>
    public WorkflowSnapshot? CurrentDefinition { get; init; }

    public bool UseRecordedDefinition { get; init; }

    /// <summary>At most this many differing JSON paths are listed; the rest are counted.</summary>
    public int MaxDifferences { get; init; } = 10;
}

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Whether a run's evidence may be deleted now, and why: it may only when the run has ended, its evidence verifies
/// (deleting broken evidence would destroy the proof of tampering) and its workflow's retention has passed since its end.
/// </summary>
public sealed record PurgeDecision(string RunId, bool Allowed, string Reason, string? Retention = null, DateTimeOffset? KeptUntil = null)
{
    public bool Purged { get; init; }
}

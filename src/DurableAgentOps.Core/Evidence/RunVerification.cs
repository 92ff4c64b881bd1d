namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// A run's verification: the breaks found (none when intact), notes that are not breaks, and, when the run's evidence
/// was deleted after its retention, the log's tombstone that says so.
/// </summary>
public sealed record RunVerification(string RunId, IReadOnlyList<EvidenceProblem> Breaks, IReadOnlyList<string> Notes, PurgedRun? Purged = null)
{
    public bool IsIntact => Breaks.Count == 0;

    public string Verdict => Purged is { } p ? $"purged after its retention ({p.Retention}); log leaf {p.LeafIndex} records it"
        : IsIntact ? "verified" : $"BROKEN: {Breaks[0].Message}";
}

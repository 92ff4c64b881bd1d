namespace DurableAgentOps.Core.Evidence;

/// <summary>A run whose latest log leaf is a retention tombstone: deleted on purpose, not missing.</summary>
public sealed record PurgedRun(string RunId, string HeadHash, string Retention, long LeafIndex);

/// <summary>What a log verification found: problems first-first, the purged runs, how many runs were checked.</summary>
public sealed record LogReport(IReadOnlyList<EvidenceProblem> Problems, IReadOnlyList<PurgedRun> Purged, int RunsVerified)
{
    public bool IsIntact => Problems.Count == 0;

    public EvidenceProblem? First => Problems.Count > 0 ? Problems[0] : null;

    public override string ToString() => IsIntact ? $"intact: {RunsVerified} runs, {Purged.Count} purged" : string.Join('\n', Problems);
}

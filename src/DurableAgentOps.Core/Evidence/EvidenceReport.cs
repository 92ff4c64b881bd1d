namespace DurableAgentOps.Core.Evidence;

/// <summary>What a verification found, first problem first; intact when there is none.</summary>
public sealed record EvidenceReport(IReadOnlyList<EvidenceProblem> Problems)
{
    public bool IsIntact => Problems.Count == 0;

    public EvidenceProblem? First => Problems.Count > 0 ? Problems[0] : null;

    public override string ToString() => IsIntact ? "intact" : string.Join('\n', Problems);
}

namespace DurableAgentOps.Core.Evidence;

/// <summary>One break found by a verifier: what, where (run and seq when known) and a sentence saying so.</summary>
public sealed record EvidenceProblem(EvidenceProblemKind Kind, string Message, string? RunId = null, long? Seq = null)
{
    public override string ToString() => RunId is null ? Message : $"run {RunId}: {Message}";
}


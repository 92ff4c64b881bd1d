namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// What investigators search runs by, kept beside a run's signed head: who started it, who decided, which identities
/// acted, what they wrote to, when, how it ended (<c>unrecorded</c> when evidence was off), and what governance its host
/// had switched off (null in rows written before it was kept). The records are the evidence; this is their index.
/// </summary>
public sealed record RunSummary(
    string Workflow,
    string DefinitionSha256,
    PrincipalRef Initiator,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    IReadOnlyList<PrincipalRef> Approvers,
    IReadOnlyList<string> Identities,
    IReadOnlyList<string> Writes,
    IReadOnlyList<string> Records,
    string Retention,
    IReadOnlyList<string>? GovernanceOff = null);

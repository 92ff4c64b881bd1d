using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// What investigators search runs by, kept beside a run's signed head: who started it, who decided, which identities
/// acted, what they wrote to, when, and how it ended. The records are the evidence; this is their index.
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
    string Retention);

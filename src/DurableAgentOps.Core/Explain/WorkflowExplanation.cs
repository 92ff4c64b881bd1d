using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Explain;

/// <summary>One approver gate as a reviewer needs to see it.</summary>
public sealed record GateExplanation(
    string Id,
    IReadOnlyList<string> Approvers,
    int Quorum,
    string Timeout,
    IReadOnlyList<string> Channels,
    IReadOnlyList<string> Reminders,
    string? EscalatesTo,
    string? EscalatesAfter,
    bool SeparationOfDuties,
    string OnTimeout);

/// <summary>The four answers for one step: identity, scope, automatic or gated, and (workflow-wide) evidence.</summary>
public sealed record StepExplanation(
    int Number,
    string Id,
    StepKind Kind,
    string Identity,
    string ClientId,
    string? System,
    string? Operation,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Records,
    IReadOnlyList<string> Fields,
    bool Automatic,
    string Approval,
    IReadOnlyList<string> Gates);

/// <summary>One run input field; <see cref="MaxLength"/> is set for strings (declared or the default).</summary>
public sealed record InputExplanation(string Name, string Type, bool Required, string? Pattern, int? MaxLength, string? Description);

/// <summary>Who may start a run: <see cref="Allowed"/> lists the starters (empty: anyone holding the starter role).</summary>
public sealed record StartersExplanation(IReadOnlyList<string> Allowed, string Summary);

public sealed record EvidenceExplanation(string Retention, IReadOnlyList<string> Kept, IReadOnlyList<string> Redacted);

public sealed record WorkflowExplanation(
    string Name,
    int Version,
    string Owner,
    string Description,
    string Environment,
    string Isolation,
    IReadOnlyList<StepExplanation> Steps,
    IReadOnlyList<GateExplanation> Gates,
    EvidenceExplanation Evidence,
    StartersExplanation Starters,
    IReadOnlyList<InputExplanation> Input)
{
    /// <summary>The whole input's limit as compact JSON, enforced with the fields' own.</summary>
    public int MaxInputBytes => Runs.RunInputValidator.MaxInputBytes;
}

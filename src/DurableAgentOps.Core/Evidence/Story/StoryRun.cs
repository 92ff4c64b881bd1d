using DurableAgentOps.Core.Governance;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// The run itself as its first and last records tell it; null is "not recorded" (e.g. a run still going).
/// <see cref="GovernanceOff"/> names what the host that started it had switched off (its run-start record says so).
/// </summary>
public sealed record StoryRun(
    string RunId,
    string? Workflow,
    string? DefinitionSha256,
    string? Environment,
    StoryPrincipal? Initiator,
    string? InputDigest,
    DateTimeOffset? Started,
    DateTimeOffset? Ended,
    string? Outcome,
    StoryFailure? Failure,
    IReadOnlyList<string> GovernanceOff)
{
    /// <summary>The run's input as its run-start record holds it, as leaves (the first few).</summary>
    public IReadOnlyList<StoryField> Input { get; init; } = [];

    /// <summary>Evidence was off: the ledger holds the start only, so "not ended" means "not recorded", not "still running".</summary>
    public bool EvidenceOff => GovernanceOff.Contains(GovernanceSwitches.Evidence, StringComparer.Ordinal);

    /// <summary>What the run's end is as far as its evidence tells.</summary>
    public string EndText => Ended is { } ended ? $"{StoryText.Time(ended)}: {StoryText.Or(Outcome)}"
        : EvidenceOff ? "not recorded (evidence was off)" : "not ended";

    /// <summary>One line for the switches that were off, or null when the run was fully governed.</summary>
    public string? GovernanceWarning => GovernanceOff.Count == 0 ? null
        : $"governance OFF for this run: {string.Join("; ", GovernanceOff.Select(GovernanceSwitches.Describe))}";
}

/// <summary>Why the run stopped: the step, its identity, the reason.</summary>
public sealed record StoryFailure(string? Step, string? Identity, string? Reason);

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>The run itself as its first and last records tell it; null is "not recorded" (e.g. a run still going).</summary>
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
    StoryFailure? Failure);

/// <summary>Why the run stopped: the step, its identity, the reason.</summary>
public sealed record StoryFailure(string? Step, string? Identity, string? Reason);

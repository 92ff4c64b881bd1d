namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// One step as its evidence record tells it: who acted (identity and client id), with which scope (declared by the
/// step, granted to the identity), what it did (operations, records), when, how long, the outcome, on which worker,
/// and the digest of what it produced. Null is "not recorded".
/// </summary>
public sealed record StoryStep(
    long Seq,
    DateTimeOffset At,
    string StepId,
    string Kind,
    string Identity,
    string? ClientId,
    StoryScope? Declared,
    StoryScope? Granted,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Records,
    DateTimeOffset? Started,
    long? DurationMs,
    string Outcome,
    string? Worker,
    string? OutputDigest)
{
    /// <summary>The system the step acted in: the granted scope's, else the prefix of its first operation.</summary>
    public string? System => Granted?.System is { Length: > 0 } s ? s
        : Operations.FirstOrDefault() is { } op && op.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot ? op[..dot] : null;

    public bool Succeeded => Outcome == "succeeded";

    /// <summary>What a draft step produced, as its record holds it (model output: untrusted text), as leaves; empty for other kinds.</summary>
    public IReadOnlyList<StoryField> Drafted { get; init; } = [];

    /// <summary>The model a draft step used, when recorded.</summary>
    public string? Model { get; init; }

    /// <summary>What a write step's system answered per operation (path: the operation; text: the id in its answer), when recorded.</summary>
    public IReadOnlyList<StoryField> Returned { get; init; } = [];
}

/// <summary>One value of a step's output: where in it, and its text.</summary>
public sealed record StoryField(string Path, string Text);

/// <summary>The steps one identity took, in the order they ran; a lane of the timeline.</summary>
public sealed record StoryLane(string Identity, IReadOnlyList<string> ClientIds, IReadOnlyList<StoryStep> Steps);

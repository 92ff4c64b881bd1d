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

    /// <summary>The person a delegated step acted for and the app that acted, from the record's <c>actedFor</c>; null for a service identity's step.</summary>
    public StoryActedFor? ActedFor { get; init; }

    /// <summary>"as Name (delegated through identity)" for a delegated step, else "as identity": who a sentence says acted.</summary>
    public string AsWhom => ActedFor is { } a ? $"as {a.Person} (delegated through {Identity})" : $"as {Identity}";
}

/// <summary>
/// A delegated step's two principals as its record names them: the person it acted for (<see cref="SubjectId"/>, tenant
/// and object id; <see cref="SubjectName"/>, from their token: untrusted text) and the app that acted
/// (<see cref="ActorClientId"/>). Null parts are "not recorded".
/// </summary>
public sealed record StoryActedFor(string? SubjectId, string? SubjectName, string? ActorClientId)
{
    /// <summary>The person's name, else their id.</summary>
    public string Person => SubjectName is { Length: > 0 } name ? name : StoryText.Or(SubjectId);
}

/// <summary>One value of a step's output: where in it, and its text.</summary>
public sealed record StoryField(string Path, string Text);

/// <summary>The steps one identity took, in the order they ran; a lane of the timeline.</summary>
public sealed record StoryLane(string Identity, IReadOnlyList<string> ClientIds, IReadOnlyList<StoryStep> Steps)
{
    /// <summary>The people this lane's steps acted for (delegated steps), each once; empty for a service identity's lane.</summary>
    public IReadOnlyList<StoryActedFor> ActedFor => [.. Steps.Select(s => s.ActedFor).OfType<StoryActedFor>().Distinct()];

    public bool Delegated => Steps.Any(s => s.ActedFor is not null);

    /// <summary>"as Name" (or "as A, B") for a delegated lane, else null.</summary>
    public string? AsWhom => Delegated ? "as " + string.Join(", ", ActedFor.Select(a => a.Person).Distinct(StringComparer.Ordinal)) : null;
}

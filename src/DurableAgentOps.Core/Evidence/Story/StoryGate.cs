namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>A write reached its gate: which change (by digest, with its lines) waits for whom and why.</summary>
public sealed record StoryApprovalRequest(long Seq, DateTimeOffset At, string? StepId, string? Gate, string? Why, string? ChangeDigest, IReadOnlyList<StoryChange> Change);

/// <summary>One field of the change a gate approves: in which system, by which operation, on which record.</summary>
public sealed record StoryChange(string? System, string? Operation, string? Record, string? Field, string? Before, string? After);

/// <summary>
/// A notice a gate sent: to how many people, on which channels. Only counts and channel names: the ledger never holds
/// the links or their tokens, and the story shows nothing else of the notice call.
/// </summary>
public sealed record StoryNotice(long Seq, DateTimeOffset At, string? Gate, string? Kind, long? Recipients, IReadOnlyList<string> Sent, IReadOnlyList<string> Failures);

/// <summary>
/// A decision (or, with no verified approver, an ignored event): who, on which channel, with which link and change,
/// and whether it counted (else why not).
/// </summary>
public sealed record StoryDecision(
    long Seq,
    DateTimeOffset At,
    string? StepId,
    string? Gate,
    StoryPrincipal? Approver,
    bool? Approved,
    string? Channel,
    string? MatchedAs,
    string? Comment,
    string? LinkId,
    string? ChangeDigest,
    string? Counted)
{
    public bool IsCounted => Counted == "counted";

    public string Verb => Approved switch { true => "approved", false => "rejected", null => "no decision" };
}

/// <summary>An escalation to another gate or a gate's timeout.</summary>
public sealed record StoryGateEvent(long Seq, DateTimeOffset At, string Kind, string? StepId, string? Gate, string? To, string? Detail);

/// <summary>A step the run refused to take, and why.</summary>
public sealed record StoryRefusal(long Seq, DateTimeOffset At, string? StepId, string? Identity, string? Reason, StoryPrincipal? Person = null, string? Channel = null)
{
    /// <summary>Who was refused: the step's identity, or the person whose decision was refused (403).</summary>
    public string? Who => Identity ?? Person?.Display;
}

/// <summary>
/// One line of the timeline: when, what kind, on which lane (an identity, or "gate" / "run"), and a sentence. Values
/// are raw text: each renderer encodes them for its medium.
/// </summary>
public sealed record StoryEvent(long Seq, DateTimeOffset At, string Kind, string Lane, string Summary);

using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// What an approver is told, whatever the channel: the run, the exact change, the identity that will make it and its
/// scope, why this gate applies, and until when. Every text in it may hold untrusted input (drafted by a model, or read
/// from a business system): channels must encode it (HTML-escape, Adaptive Card plain text), never treat it as markup.
/// <see cref="WriterActsFor"/> is the name of the person the write is made as, when the writer's identity acts for the
/// run's initiator (delegated); null for a service identity, and then nothing is said of delegation.
/// </summary>
public sealed record ApprovalNotice(
    NoticeKind Kind,
    string RunId,
    string Workflow,
    string StepId,
    string Gate,
    string InitiatorName,
    string WriterIdentity,
    string WriterClientId,
    IReadOnlyList<string> WriterScope,
    IReadOnlyList<ChangeLine> Change,
    string ChangeDigest,
    string WhyThisGate,
    int Quorum,
    int ApprovalsSoFar,
    DateTimeOffset Deadline,
    string? Outcome,
    IReadOnlyList<NoticeDecision>? Decisions = null,
    Uri? RunPage = null,
    NoticeAudience Audience = NoticeAudience.Approvers,
    string? WriterActsFor = null);

/// <summary>
/// One counted decision at the gate, for an outcome notice: who, approve or reject, on which channel (<c>email</c>,
/// <c>teams</c>, <c>cli</c>, <c>api</c>) and their comment, which is untrusted text like every value of a notice.
/// </summary>
public sealed record NoticeDecision(string Name, bool Approved, string Channel, string? Comment, DateTimeOffset At);

/// <summary>Who reads an outcome notice: the words differ, the facts do not.</summary>
public enum NoticeAudience
{
    /// <summary>The approvers asked to decide (requests, reminders, escalations).</summary>
    Approvers,

    /// <summary>The person who started the run: the outcome, who decided, on which channel, with their comment.</summary>
    Starter,

    /// <summary>Approvers who were asked and did not answer: their answer is no longer needed.</summary>
    CoApprovers,

    /// <summary>A Teams channel, read by the starter and the approvers alike.</summary>
    Channel,
}

/// <summary>A person a notice goes to, with their own link (email) to the approval page.</summary>
public sealed record NoticeRecipient(string PrincipalId, string Name, string Email, Uri Link);

/// <summary>How one channel's sending went: the gate still waits either way, but a status shows failures.</summary>
public sealed record NoticeResult(string Channel, int Sent, IReadOnlyList<string> Failures)
{
    public bool AllFailed => Sent == 0 && Failures.Count > 0;
}

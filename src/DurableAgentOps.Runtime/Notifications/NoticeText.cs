using System.Globalization;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The words both channels use for a notice, so a mail and a card say the same thing. Values from the notice come
/// back as they are: each channel makes them safe for where it puts them.
/// </summary>
internal static class NoticeText
{
    /// <summary>Shown for a field the record did not have before the change.</summary>
    public const string New = "(new)";

    /// <summary>"Approval needed", "Reminder: approval still needed", …, "Approved", "No longer needed: Bob approved".</summary>
    public static string Heading(ApprovalNotice notice) => notice.Kind switch
    {
        NoticeKind.Request => "Approval needed",
        NoticeKind.Reminder => "Reminder: approval still needed",
        NoticeKind.Escalation => "Escalated: approval needed",
        _ when notice.Audience == NoticeAudience.CoApprovers => NoLongerNeeded(notice),
        _ when WriteUnfinished(notice) => "Approved, but the write did not finish",
        _ => VerdictWord(VerdictOf(notice)),
    };

    /// <summary>An approval whose write then failed or stopped part way: approved, but not a success to colour green.</summary>
    public static bool WriteUnfinished(ApprovalNotice notice) =>
        VerdictOf(notice) == NoticeVerdict.Approved && notice.Outcome is { } outcome
        && (outcome.Contains("the write failed", StringComparison.Ordinal) || outcome.Contains("the write is incomplete", StringComparison.Ordinal));

    /// <summary>"order-intake run run-1 — create a task on R-1".</summary>
    public static string Title(ApprovalNotice notice) => $"{notice.Workflow} run {notice.RunId} — {Summary(notice.Change)}";

    /// <summary>The first sentence of the body, for its reader: an approver is asked, the starter and co-approvers are told.</summary>
    public static string Intro(ApprovalNotice notice) => notice.Kind switch
    {
        NoticeKind.Request => $"{notice.InitiatorName} started {notice.Workflow}; its step {notice.StepId} waits for approval at gate {notice.Gate} before it makes the change below.",
        NoticeKind.Reminder => $"You have not answered yet: step {notice.StepId} of {notice.Workflow} still waits at gate {notice.Gate}.",
        NoticeKind.Escalation => $"The gate {notice.Gate} escalated to you: step {notice.StepId} of {notice.Workflow} waits for approval.",
        _ => OutcomeIntro(notice),
    };

    /// <summary>What the link's button says.</summary>
    public static string ActionTitle(ApprovalNotice notice) => notice.Kind == NoticeKind.Outcome ? "Open the run" : "Review and decide";

    /// <summary>Opening the link never decides: scanners open links too.</summary>
    public const string LinkNote = "Opening the link does not decide anything: you sign in on the page, see the change again and choose there.";

    /// <summary>"1 approval needed", "2 approvals needed, none yet", "1 of 2 approvals — waiting for one more", "2 of 2 approvals".</summary>
    public static string Approvals(ApprovalNotice notice)
    {
        var (so, quorum) = (Math.Max(0, notice.ApprovalsSoFar), Math.Max(1, notice.Quorum));
        return so switch
        {
            0 when quorum == 1 => "1 approval needed",
            0 => $"{quorum} approvals needed, none yet",
            _ when so < quorum => $"{so} of {quorum} approvals — waiting for {Number(quorum - so)} more",
            _ => $"{so} of {quorum} approval{(quorum == 1 ? string.Empty : "s")}",
        };
    }

    /// <summary>How a gate closed, read from the outcome the run gives (its first words never change: they are the run's outcome).</summary>
    public static NoticeVerdict VerdictOf(ApprovalNotice notice)
    {
        var outcome = (notice.Outcome ?? string.Empty).TrimStart();
        return outcome switch
        {
            _ when outcome.StartsWith("approved", StringComparison.OrdinalIgnoreCase) || outcome.StartsWith("completed", StringComparison.OrdinalIgnoreCase) => NoticeVerdict.Approved,
            _ when outcome.StartsWith("rejected", StringComparison.OrdinalIgnoreCase) => NoticeVerdict.Rejected,
            _ when outcome.StartsWith("timed", StringComparison.OrdinalIgnoreCase) => NoticeVerdict.TimedOut,
            _ when outcome.StartsWith("cancel", StringComparison.OrdinalIgnoreCase) => NoticeVerdict.Cancelled,
            _ => NoticeVerdict.Decided,
        };
    }

    public static string VerdictWord(NoticeVerdict verdict) => verdict switch
    {
        NoticeVerdict.Approved => "Approved",
        NoticeVerdict.Rejected => "Rejected",
        NoticeVerdict.TimedOut => "Timed out",
        NoticeVerdict.Cancelled => "Cancelled",
        _ => "Decided",
    };

    /// <summary>"No longer needed: Bob Manager approved", "… the request timed out".</summary>
    public static string NoLongerNeeded(ApprovalNotice notice) => "No longer needed: " + VerdictClause(notice);

    /// <summary>The decisions that closed the gate: for an approval those who approved, for a rejection who rejected.</summary>
    public static IReadOnlyList<NoticeDecision> Deciding(ApprovalNotice notice)
    {
        var verdict = VerdictOf(notice);
        var all = notice.Decisions ?? [];
        return verdict switch
        {
            NoticeVerdict.Approved => [.. all.Where(d => d.Approved)],
            NoticeVerdict.Rejected => [.. all.Where(d => !d.Approved)],
            _ => all,
        };
    }

    /// <summary>"Rejected by Bob Manager from the mail link, 2031-05-06T07:08:09Z (UTC)".</summary>
    public static string DecisionLine(NoticeDecision decision) =>
        $"{(decision.Approved ? "Approved" : "Rejected")} by {decision.Name} {ChannelWords(decision.Channel)}, {Time(decision.At)}";

    /// <summary>Where a decision was given, in words.</summary>
    public static string ChannelWords(string channel) => channel switch
    {
        "email" => "from the mail link",
        "teams" => "from the Teams card",
        "cli" => "with the agentops command line",
        "api" => "through the API",
        _ => $"through {channel}",
    };

    /// <summary>Shown when a decision came without a comment.</summary>
    public const string NoComment = "(no comment)";

    /// <summary>ISO 8601 in UTC, to the second: the same instant for every reader.</summary>
    public static string Deadline(ApprovalNotice notice) => Time(notice.Deadline);

    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + " (UTC)";

    public static string Identity(ApprovalNotice notice) => $"{notice.WriterIdentity} (client id {notice.WriterClientId})";

    /// <summary>
    /// For a write made as a person (delegated): "Name, who started the run: writer acts for them, so the change is made
    /// in their name, limited to what they may do in the system and to the scope below"; null for a service identity.
    /// </summary>
    public static string? MadeAs(ApprovalNotice notice) => notice.WriterActsFor is { } person
        ? $"{person}, who started the run: {notice.WriterIdentity} acts for them (delegated), so the change is made in their name, limited to what {person} may do in the system and to the scope below"
        : null;

    public static string Scope(ApprovalNotice notice) => notice.WriterScope.Count == 0 ? "(none)" : string.Join(", ", notice.WriterScope);

    public static string Before(ChangeLine line) => line.Before ?? New;

    /// <summary>
    /// What the change does, in words: "create a task on REC-1", from the operation's <c>system.resource.verb</c> name and
    /// the record; two operations are joined with "and", more end in "and N more".
    /// </summary>
    public static string Summary(IReadOnlyList<ChangeLine> change)
    {
        var actions = change
            .Select(line => (line.Operation, line.Record))
            .Distinct()
            .Select(c => Describe(c.Operation, c.Record))
            .ToList();
        return actions.Count switch
        {
            0 => "a change",
            1 => actions[0],
            2 => $"{actions[0]} and {actions[1]}",
            _ => $"{actions[0]} and {actions.Count - 1} more changes",
        };
    }

    /// <summary>The changes grouped by the record they touch, in the order they came.</summary>
    public static IEnumerable<IGrouping<(string System, string Operation, string Record), ChangeLine>> ByRecord(IReadOnlyList<ChangeLine> change) =>
        change.GroupBy(line => (line.System, line.Operation, line.Record));

    private static string Describe(string operation, string record)
    {
        // <system>.<resource>.<verb>: "x.tasks.create" reads "create a task".
        var parts = operation.Split('.');
        if (parts.Length < 3)
        {
            return $"{operation} on {record}";
        }

        var resource = parts[^2].EndsWith('s') && parts[^2].Length > 1 ? parts[^2][..^1] : parts[^2];
        var article = resource.Length > 0 && "aeiou".Contains(char.ToLowerInvariant(resource[0]), StringComparison.Ordinal) ? "an" : "a";
        return $"{parts[^1]} {article} {resource} on {record}";
    }

    private static string OutcomeIntro(ApprovalNotice notice)
    {
        var whose = notice.Audience == NoticeAudience.Starter ? "your" : Possessive(notice.InitiatorName);
        var run = $"{whose} {notice.Workflow} run at gate {notice.Gate}";
        if (notice.Audience == NoticeAudience.CoApprovers)
        {
            return $"You were asked to decide on {run}. {Capitalised(VerdictClause(notice))}, so your answer is no longer needed: nothing more is asked of you.";
        }

        return VerdictOf(notice) switch
        {
            NoticeVerdict.Approved => $"{Who(notice, "An approver")} approved {run}: {Tail(notice) ?? "the run goes on"}.",
            NoticeVerdict.Rejected => $"{Who(notice, "An approver")} rejected {run}: nothing was written, and the run stopped.",
            NoticeVerdict.TimedOut => $"Nobody decided on {run} by {Deadline(notice)}: nothing was written, and the run stopped.",
            NoticeVerdict.Cancelled => $"Nobody decided on {run} by {Deadline(notice)}: nothing was written, and the run was cancelled.",
            _ => $"The gate {notice.Gate} of {notice.Workflow} closed: {(notice.Outcome ?? "decided").ToLowerInvariant()}.",
        };
    }

    private static string VerdictClause(ApprovalNotice notice) => VerdictOf(notice) switch
    {
        NoticeVerdict.Approved => $"{Who(notice, "an approver")} approved",
        NoticeVerdict.Rejected => $"{Who(notice, "an approver")} rejected",
        NoticeVerdict.TimedOut => "the request timed out",
        NoticeVerdict.Cancelled => "the request was cancelled",
        _ => "the gate closed",
    };

    /// <summary>What the run says came after an approval ("the change was written"), from the outcome's "approved at gate g; …".</summary>
    private static string? Tail(ApprovalNotice notice) =>
        notice.Outcome?.IndexOf(';', StringComparison.Ordinal) is int at and >= 0 ? notice.Outcome[(at + 1)..].Trim() : null;

    private static string Who(ApprovalNotice notice, string nobody)
    {
        var names = Deciding(notice).Select(d => d.Name).Distinct(StringComparer.Ordinal).ToList();
        return names.Count switch
        {
            0 => nobody,
            1 => names[0],
            _ => $"{string.Join(", ", names.SkipLast(1))} and {names[^1]}",
        };
    }

    private static string Possessive(string name) => name.EndsWith('s') ? name + "'" : name + "'s";

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Number(int n) => n switch
    {
        1 => "one",
        2 => "two",
        3 => "three",
        4 => "four",
        5 => "five",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}

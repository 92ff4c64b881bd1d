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

    /// <summary>"Approval needed", "Reminder: approval still needed", …, "Approved".</summary>
    public static string Heading(ApprovalNotice notice) => notice.Kind switch
    {
        NoticeKind.Request => "Approval needed",
        NoticeKind.Reminder => "Reminder: approval still needed",
        NoticeKind.Escalation => "Escalated: approval needed",
        _ => OutcomeWord(notice.Outcome),
    };

    /// <summary>"crm-followup run run-1 — create a task on ACC-000002".</summary>
    public static string Title(ApprovalNotice notice) => $"{notice.Workflow} run {notice.RunId} — {Summary(notice.Change)}";

    /// <summary>The first sentence of the body.</summary>
    public static string Intro(ApprovalNotice notice) => notice.Kind switch
    {
        NoticeKind.Request => $"{notice.InitiatorName} started {notice.Workflow}; its step {notice.StepId} waits for approval at gate {notice.Gate} before it makes the change below.",
        NoticeKind.Reminder => $"You have not answered yet: step {notice.StepId} of {notice.Workflow} still waits at gate {notice.Gate}.",
        NoticeKind.Escalation => $"The gate {notice.Gate} escalated to you: step {notice.StepId} of {notice.Workflow} waits for approval.",
        _ => $"The gate {notice.Gate} of {notice.Workflow} closed: {(notice.Outcome ?? "decided").ToLowerInvariant()}.",
    };

    /// <summary>What the link's button says.</summary>
    public static string ActionTitle(ApprovalNotice notice) => notice.Kind == NoticeKind.Outcome ? "Open the run" : "Review and decide";

    /// <summary>Opening the link never decides: scanners open links too.</summary>
    public const string LinkNote = "Opening the link does not decide anything: you sign in on the page, see the change again and choose there.";

    public static string Approvals(ApprovalNotice notice) =>
        $"{notice.ApprovalsSoFar} of {notice.Quorum} approval{(notice.Quorum == 1 ? string.Empty : "s")} so far";

    /// <summary>ISO 8601 in UTC, to the second: the same instant for every reader.</summary>
    public static string Deadline(ApprovalNotice notice) =>
        notice.Deadline.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + " (UTC)";

    public static string Identity(ApprovalNotice notice) => $"{notice.WriterIdentity} (client id {notice.WriterClientId})";

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

    private static string OutcomeWord(string? outcome) => string.IsNullOrWhiteSpace(outcome)
        ? "Decided"
        : char.ToUpperInvariant(outcome.Trim()[0]) + outcome.Trim()[1..];
}

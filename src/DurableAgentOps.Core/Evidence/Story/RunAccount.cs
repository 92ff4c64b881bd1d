using System.Globalization;
using static DurableAgentOps.Core.Evidence.Story.ReportText;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// The report's opening: the run told in sentences, in the order it happened. Who started what and when, what was read,
/// what the model drafted (quoted as untrusted text, cut short), who was asked, who decided with their words, what was
/// written where under which identity, and how the run ended. A delegated read or write says whom it was made as
/// (the person, with the identity it went through, the subject id and the acting app's client id). Ids and recorded
/// values are code; the rest is prose.
/// </summary>
internal static class RunAccount
{
    private const int DraftValuesShown = 4;
    private const int ValueLength = 100;

    public static IReadOnlyList<ReportText> Tell(RunStory story)
    {
        var run = story.Run;
        var lines = new List<ReportText>();
        var who = run.Initiator is { } initiator ? initiator.Display : "Someone (the record does not say who)";
        var input = run.Input.Count == 0 ? Plain(string.Empty)
            : Plain(" with input ") + Join(", ", run.Input.Select(f => Plain($"{f.Path} ") + Code(Cut(f.Text))));
        lines.Add(Plain($"{who} started {run.Workflow ?? "a workflow (not recorded)"} {When(run.Started)}") + input + ".");

        // One sentence per identity, and per person for a delegated identity: "As Name (delegated through reader) it read …".
        foreach (var lane in story.Steps.Where(s => s.Kind == "read").GroupBy(s => s.AsWhom, StringComparer.Ordinal))
        {
            var read = lane.SelectMany(s => s.Records).Distinct(StringComparer.Ordinal).ToList();
            var rights = lane.First().ActedFor is { } acted
                ? Plain(": the system answered with that person's own rights (subject ") + CodeOr(acted.SubjectId) + Plain(", acting app ") + CodeOr(acted.ActorClientId) + Plain(").")
                : Plain(".");
            lines.Add(Plain($"A{lane.Key[1..]} it read ") + (read.Count == 0 ? Plain("no named record") : Join(", ", read.Select(r => Code(r))))
                + Plain($" ({string.Join(", ", lane.SelectMany(s => s.Operations).Distinct(StringComparer.Ordinal))})") + rights);
        }

        foreach (var draft in story.Steps.Where(s => s.Kind == "draft"))
        {
            var model = draft.Model is { } m ? $"The model {m}" : "The model";
            var head = Plain($"{model} drafted step {draft.StepId} as {draft.Identity} (model output, untrusted, quoted as drafted)");
            if (draft.Drafted.Count == 0)
            {
                lines.Add(head + Plain(draft.Succeeded ? "; its record holds no drafted text." : $"; the step {draft.Outcome}."));
                continue;
            }

            var shown = draft.Drafted.Take(DraftValuesShown).Select(f => Plain($"{f.Path} “{Cut(f.Text)}”"));
            var more = draft.Drafted.Count > DraftValuesShown ? $"; {draft.Drafted.Count - DraftValuesShown} more value(s) not shown here" : string.Empty;
            lines.Add(head + ": " + Join("; ", shown) + more + ".");
        }

        foreach (var request in story.Requests)
        {
            var notices = story.Notices.Where(n => n.Gate == request.Gate && n.Kind == "request" && n.Seq > request.Seq).ToList();
            var sent = notices.SelectMany(n => n.Sent).ToList();
            var reach = notices.Count == 0 ? "No request to approvers is recorded."
                : sent.Count == 0 ? $"The request reached nobody: {RunStory.Join([.. notices.SelectMany(n => n.Failures)], "no channel sent it")}."
                : $"{Count(notices.Sum(n => n.Recipients ?? 0), "person was", "people were")} asked ({string.Join(", ", sent)})."
                    + (notices.Any(n => n.Failures.Count > 0) ? $" Some sending failed: {string.Join("; ", notices.SelectMany(n => n.Failures))}." : string.Empty);
            lines.Add(Plain($"The change ({request.Change.Count} field(s), digest ") + Code(RunStory.Short(request.ChangeDigest))
                + Plain($") waited at gate {request.Gate ?? RunStory.Missing} {When(request.At)}: {request.Why ?? "why is not recorded"}. {reach}"));
        }

        foreach (var decision in story.Decisions)
        {
            var comment = decision.Comment is { Length: > 0 } c ? Plain($", saying “{c}”") : Plain(", without a comment");
            var counted = decision.IsCounted ? string.Empty : $" It did not count: {decision.Counted ?? RunStory.Missing}.";
            lines.Add(Plain($"{decision.Approver?.Display ?? "Someone (not recorded)"} {decision.Verb} at gate {decision.Gate ?? RunStory.Missing} {When(decision.At)}"
                + $" via {decision.Channel ?? "a channel not recorded"}" + (decision.MatchedAs is { } a ? $" (as {a})" : string.Empty)) + comment + "." + counted);
        }

        foreach (var refused in story.Refusals)
        {
            lines.Add(refused.Person is { } person
                ? Plain($"{person.Display} tried to decide via {refused.Channel ?? "a channel not recorded"} and was refused: {refused.Reason ?? RunStory.Missing}.")
                : Plain($"Step {refused.StepId ?? RunStory.Missing} as {refused.Identity ?? RunStory.Missing} was refused: {refused.Reason ?? RunStory.Missing}."));
        }

        if (story.IgnoredEvents.Count > 0)
        {
            lines.Add(Plain($"{Count(story.IgnoredEvents.Count, "event", "events")} at the gate did not count (no decision the approval service recorded)."));
        }

        foreach (var e in story.GateEvents)
        {
            lines.Add(Plain(e.Kind == "escalation" ? $"Gate {e.Gate} escalated to {e.To} {When(e.At)}: {e.Detail}." : $"Gate {e.Gate} timed out {When(e.At)}; on timeout: {e.Detail}."));
        }

        var writes = story.Writes.ToList();
        foreach (var write in writes)
        {
            var records = write.Records.Count == 0 ? Plain("no named record") : Join(", ", write.Records.Select(r => Code(r)));
            var returned = write.Returned.Count == 0 ? Plain(string.Empty)
                : Plain("; the system returned ") + Join(", ", write.Returned.Select(r => Code(r.Text) + Plain($" ({r.Path})")));
            var writer = write.ActedFor is { } acted
                ? Plain($"The run wrote to {write.System ?? "a system not recorded"} as {acted.Person} (delegated through {write.Identity}: subject ") + CodeOr(acted.SubjectId)
                    + Plain(", acting app ") + CodeOr(acted.ActorClientId) + Plain("): ")
                : Plain($"As {write.Identity} (client ") + CodeOr(write.ClientId) + Plain($") the run wrote to {write.System ?? "a system not recorded"}: ");
            lines.Add(writer + Plain($"{RunStory.Join(write.Operations, "no operation")} on ") + records + Plain($", {When(write.Started ?? write.At)}: {write.Outcome}") + returned + ".");
        }

        if (writes.Count == 0 && run.Ended is not null)
        {
            lines.Add("Nothing was written to any system.");
        }

        lines.Add(run switch
        {
            { Failure: { } f } => Plain($"The run stopped {When(run.Ended)} at step {f.Step ?? RunStory.Missing} as {f.Identity ?? RunStory.Missing}: {f.Reason ?? RunStory.Missing}."),
            { Ended: { } ended } => Plain($"The run ended {When(ended)}: {run.Outcome ?? RunStory.Missing}."),
            { EvidenceOff: true } => Plain("How the run ended is not recorded: evidence was off."),
            _ => Plain("The run has not ended (or its end is not recorded)."),
        });
        return lines;
    }

    /// <summary>"on 2026-12-07 at 10:08:14 UTC".</summary>
    private static string When(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("'on' yyyy-MM-dd 'at' HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "(time not recorded)";

    private static string Count(long n, string one, string many) => string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? one : many)}");

    private static string Cut(string text) => text.Length <= ValueLength ? text : text[..(ValueLength - 1)] + "…";
}

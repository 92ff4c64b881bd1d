using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using static DurableAgentOps.Core.Evidence.Story.ReportText;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// The incident report of a run, in Markdown or HTML, from its evidence only: who started it, which identities acted
/// with which scope, who approved what on which channel, what changed in which system, what failed — and whether the
/// evidence verified. Every recorded value is escaped for the format, so hostile text stays text.
/// </summary>
public static class IncidentReport
{
    /// <summary>The HTML report's only style (in a &lt;style&gt; element): a host serving it allows exactly this by hash.</summary>
    public const string Stylesheet =
        "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}main{max-width:72rem;margin:0 auto;padding:1.5rem}" +
        "h1{font-size:1.4rem;overflow-wrap:anywhere}h2{font-size:1.15rem;margin-top:1.8rem}h3{font-size:1rem;overflow-wrap:anywhere}" +
        "table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .45rem;text-align:left;vertical-align:top}" +
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}" +
        "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:anywhere}#verdict{font-weight:600}li{margin:.25rem 0}p,li{overflow-wrap:anywhere}" +
        "@media (max-width:30rem){main{padding:1rem .75rem}dl{grid-template-columns:1fr}dd{margin-bottom:.4rem}}" + StackedTables;

    /// <summary>
    /// Tables of class <c>stack</c> (cells carry <c>data-label</c>): headers and words break only between words, while
    /// ids (code, or cells of class <c>any</c>) wrap anywhere; on a narrow screen each row becomes a card of labelled lines (the header row gives way to each
    /// cell's label, which is generated content a screen reader reads), so nothing scrolls sideways.
    /// </summary>
    public const string StackedTables =
        "table.stack th{word-break:normal;overflow-wrap:normal;hyphens:manual}table.stack td{word-break:normal;overflow-wrap:break-word}table.stack td.any{overflow-wrap:anywhere}" +
        "@media (max-width:48rem){table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}" +
        "table.stack thead{display:none}" +
        "table.stack tr{border:1px solid #d0d7de;border-radius:.3rem;margin:.6rem 0;background:#fff}" +
        "table.stack td{border:0;border-top:1px solid #eaeef2}table.stack td:first-child{border-top:0}" +
        "table.stack td::before{content:attr(data-label);display:block;font-weight:600;font-size:.8rem;color:#57606a}}";

    /// <summary>The Content-Security-Policy source that allows <see cref="Stylesheet"/> and nothing else: 'sha256-…'.</summary>
    public static string StylesheetHashSource { get; } = $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Stylesheet)))}'";

    /// <summary>What the report says of the evidence: "verified", "BROKEN: …", a purge, or that it was not verified.</summary>
    public static string VerdictOf(RunVerification? verification) => verification?.Verdict ?? "not verified (no verification was available)";

    public static string ToMarkdown(RunStory story, RunVerification? verification) => Build(story, verification).ToMarkdown();

    /// <summary>A complete HTML document: no script, no remote content, one style element (<see cref="Stylesheet"/>).</summary>
    public static string ToHtml(RunStory story, RunVerification? verification)
    {
        ArgumentNullException.ThrowIfNull(story);
        return new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"referrer\" content=\"no-referrer\"><title>").Append(ReportDocument.Html($"Incident report: {story.Run.RunId}")).Append(" — DurableAgentOps</title>")
            .Append("<style>").Append(Stylesheet).Append("</style></head><body><main>")
            .Append(Build(story, verification).ToHtml())
            .Append("</main></body></html>")
            .ToString();
    }

    private static ReportDocument Build(RunStory story, RunVerification? verification)
    {
        ArgumentNullException.ThrowIfNull(story);
        var run = story.Run;
        var doc = new ReportDocument()
            .Heading(1, Plain("Incident report: run ") + Code(run.RunId))
            .Paragraph($"Built from the run's evidence ledger only ({story.Events.Count} records), not from the engine's history.", "source");

        doc.Heading(2, "What happened", "account-heading").List("account", RunAccount.Tell(story));

        doc.Heading(2, "Verdict", "verdict-heading").Paragraph(VerdictText.Summary(story, verification), "verdict");
        if (run.GovernanceWarning is { } warning)
        {
            doc.Paragraph(warning, "governance-off");
        }

        if (verification is not null && (verification.Breaks.Count > 0 || verification.Notes.Count > 0))
        {
            doc.List("verification", VerdictText.Problems(verification).Select(p => (ReportText)$"What failed: {p}").Concat(verification.Notes.Select(n => (ReportText)$"Note: {n}")));
        }

        doc.Heading(2, "The run").Facts("run",
            ("Workflow", StoryText.Or(run.Workflow)),
            ("Run", Code(run.RunId)),
            ("Definition (SHA-256)", CodeOr(run.DefinitionSha256)),
            ("Environment", StoryText.Or(run.Environment)),
            ("Started by", run.Initiator is { } who ? Plain($"{who.Display} (id ") + CodeOr(who.Id) + ")" : RunStory.Missing),
            ("Started", StoryText.Time(run.Started)),
            ("Ended", run.Ended is not null ? StoryText.Time(run.Ended) : run.EvidenceOff ? run.EndText : "not ended (or its end is not recorded)"),
            ("Outcome", StoryText.Or(run.Outcome)),
            ("Input digest", CodeOr(run.InputDigest)),
            ("Evidence", VerdictOf(verification)),
            ("Governance off", run.GovernanceOff.Count == 0 ? "nothing: the host enforced the scope guard and kept evidence" : string.Join(", ", run.GovernanceOff)));

        // A run with delegated steps gets an "Acted for" column, and a table of those steps with their subject and actor
        // ids; a run of service identities only reads as it always did.
        var delegated = story.Steps.Where(s => s.ActedFor is not null).ToList();
        doc.Heading(2, "Who acted, with which scope");
        doc.Table("identities", [
                "Identity", "Client id", "Steps", "Declared scope", "Granted scope", "Operations used", "Records touched", .. delegated.Count > 0 ? (string[])["Acted for"] : []],
            story.Lanes.Select(lane => (IReadOnlyList<ReportText>)[
                lane.Identity,
                Codes(lane.ClientIds, RunStory.Missing),
                string.Join(", ", lane.Steps.Select(s => $"{s.StepId} ({s.Kind}, {s.Outcome})")),
                string.Join("; ", lane.Steps.Select(s => s.Declared?.Describe() ?? RunStory.Missing).Distinct(StringComparer.Ordinal)),
                string.Join("; ", lane.Steps.Select(s => s.Granted?.Describe() ?? "no system grant (the step calls no system)").Distinct(StringComparer.Ordinal)),
                RunStory.Join([.. lane.Steps.SelectMany(s => s.Operations).Distinct(StringComparer.Ordinal)], "none"),
                Codes([.. lane.Steps.SelectMany(s => s.Records).Distinct(StringComparer.Ordinal)], "none"),
                .. delegated.Count > 0 ? [ActedFor(lane)] : (ReportText[])[],
            ]));
        if (delegated.Count > 0)
        {
            doc.Heading(3, "Steps made as a person (delegated)", "delegated-heading")
                .Paragraph("Each of these steps called its system with a token of the person it acted for, obtained by the acting app: the system checked "
                    + "that person's own rights, the scope guard the step's declared scope.", "delegated-note")
                .Table("delegated", ["Step", "Kind", "Identity", "Made as", "Subject id", "Acting app (client id)", "Operations", "Records", "Outcome"],
                    delegated.Select(s => (IReadOnlyList<ReportText>)[
                        s.StepId, s.Kind, s.Identity, s.ActedFor!.Person, CodeOr(s.ActedFor.SubjectId), CodeOr(s.ActedFor.ActorClientId),
                        RunStory.Join(s.Operations, "none"), Codes(s.Records, "none"), s.Outcome]));
        }

        doc.Heading(2, "Approvals");
        if (story.Decisions.Count == 0)
        {
            doc.Paragraph("No decision was recorded.", "decisions");
        }
        else
        {
            doc.Table("decisions", ["Gate", "Who", "Decision", "Channel", "Matched as", "Comment", "Link", "Change", "Counted", "At"],
                story.Decisions.Select(d => (IReadOnlyList<ReportText>)[
                    StoryText.Or(d.Gate), d.Approver is { } a ? Plain($"{a.Display} (id ") + CodeOr(a.Id) + ")" : RunStory.Missing, d.Verb, StoryText.Or(d.Channel),
                    StoryText.Or(d.MatchedAs), d.Comment ?? string.Empty, CodeOr(d.LinkId), CodeOr(d.ChangeDigest), StoryText.Or(d.Counted), StoryText.Time(d.At)]));
        }

        if (story.Requests.Count > 0)
        {
            doc.Heading(3, "Approval requests").Table("requests", ["Gate", "Step", "Why", "Change digest", "At"],
                story.Requests.Select(r => (IReadOnlyList<ReportText>)[StoryText.Or(r.Gate), StoryText.Or(r.StepId), StoryText.Or(r.Why), CodeOr(r.ChangeDigest), StoryText.Time(r.At)]));
        }

        if (story.Notices.Count > 0)
        {
            doc.Heading(3, "Notices").Table("notices", ["Gate", "Kind", "Recipients", "Sent on", "Failures", "At"],
                story.Notices.Select(n => (IReadOnlyList<ReportText>)[StoryText.Or(n.Gate), StoryText.Or(n.Kind), n.Recipients?.ToString(CultureInfo.InvariantCulture) ?? RunStory.Missing,
                    RunStory.Join(n.Sent, "nothing sent"), RunStory.Join(n.Failures, "none"), StoryText.Time(n.At)]));
        }

        if (story.IgnoredEvents.Count > 0)
        {
            doc.Heading(3, "Ignored events").Table("ignored", ["Gate", "Why it did not count", "At"],
                story.IgnoredEvents.Select(e => (IReadOnlyList<ReportText>)[StoryText.Or(e.Gate), StoryText.Or(e.Counted), StoryText.Time(e.At)]));
        }

        if (story.GateEvents.Count > 0)
        {
            doc.Heading(3, "Escalations and timeouts").Table("gate-events", ["What", "Gate", "To", "Detail", "At"],
                story.GateEvents.Select(e => (IReadOnlyList<ReportText>)[e.Kind, StoryText.Or(e.Gate), e.To ?? string.Empty, StoryText.Or(e.Detail), StoryText.Time(e.At)]));
        }

        doc.Heading(2, "What changed");
        var writes = story.Writes.ToList();
        if (writes.Count == 0)
        {
            doc.Paragraph("No write step is recorded: nothing was changed in any system.", "writes");
        }
        else
        {
            var madeAs = writes.Any(w => w.ActedFor is not null);
            doc.Table("writes", ["System", "Step", "Identity", "Operations", "Records", "Outcome", "At", .. madeAs ? (string[])["Made as"] : []],
                writes.Select(w => (IReadOnlyList<ReportText>)[StoryText.Or(w.System), w.StepId, w.Identity, RunStory.Join(w.Operations, "none"), Codes(w.Records, "none"), w.Outcome,
                    StoryText.Time(w.Started ?? w.At), .. madeAs ? [MadeAs(w)] : (ReportText[])[]]));
        }

        var change = story.Requests.LastOrDefault(r => r.Change.Count > 0);
        if (change is not null)
        {
            doc.Heading(3, Plain($"The change put to gate {StoryText.Or(change.Gate)} (") + CodeOr(change.ChangeDigest) + ")").Table("change", ["System", "Operation", "Record", "Field", "Before", "After"],
                change.Change.Select(c => (IReadOnlyList<ReportText>)[StoryText.Or(c.System), StoryText.Or(c.Operation), CodeOr(c.Record), StoryText.Or(c.Field), c.Before ?? "(new)", c.After ?? string.Empty]));
        }

        doc.Heading(2, "What failed");
        var failures = story.Refusals.Select(r => r.Person is { } person
            ? $"refused decision by {person.Display} via {StoryText.Or(r.Channel)}: {StoryText.Or(r.Reason)}"
            : $"refused: step {StoryText.Or(r.StepId)} as {StoryText.Or(r.Identity)}: {StoryText.Or(r.Reason)}")
            .Concat(story.Steps.Where(s => !s.Succeeded).Select(s => $"step {s.StepId} as {s.Identity}: {s.Outcome}"))
            .Concat(story.Notices.SelectMany(n => n.Failures.Select(f => $"notice for gate {StoryText.Or(n.Gate)}: {f}")))
            .Concat(story.GateEvents.Where(e => e.Kind == "gate-timeout").Select(e => $"gate {StoryText.Or(e.Gate)} timed out (onTimeout: {StoryText.Or(e.Detail)})"))
            .ToList();
        if (run.Failure is { } failure)
        {
            failures.Add($"the run stopped at step {StoryText.Or(failure.Step)} as {StoryText.Or(failure.Identity)}: {StoryText.Or(failure.Reason)}");
        }
        else if (run.Outcome is { } outcome && outcome != "completed")
        {
            failures.Add($"the run ended {outcome}");
        }

        if (failures.Count == 0)
        {
            doc.Paragraph(run.Ended is not null ? "Nothing failed." : run.EvidenceOff ? "Nothing after the run's start was recorded: evidence was off."
                : "Nothing has failed so far; the run has not ended.", "failures");
        }
        else
        {
            doc.List("failures", failures.Select(f => (ReportText)f));
        }

        var origin = run.Started ?? story.Events.FirstOrDefault()?.At ?? DateTimeOffset.UnixEpoch;
        doc.Heading(2, "Timeline").Table("timeline", ["Offset", "Record", "Lane", "Event"],
            story.Events.Select(e => (IReadOnlyList<ReportText>)[StoryText.Offset(e.At, origin), $"#{e.Seq.ToString(CultureInfo.InvariantCulture)} {e.Kind}", e.Lane, e.Summary]));

        if (story.Problems.Count > 0)
        {
            doc.Heading(2, "Reading notes").List("problems", story.Problems.Select(p => (ReportText)p));
        }

        return doc;
    }

    /// <summary>Whom a lane's steps acted for: "Name (subject `id`, acting app `client`)", each person once; "its own authority" for a service lane.</summary>
    private static ReportText ActedFor(StoryLane lane) => lane.Delegated
        ? ReportText.Join("; ", lane.ActedFor.Select(a => Plain($"{a.Person} (subject ") + CodeOr(a.SubjectId) + Plain(", acting app ") + CodeOr(a.ActorClientId) + Plain(")")))
        : Plain("its own authority (service identity)");

    /// <summary>Whom a write was made as: the person (delegated through its identity), or its identity's own authority.</summary>
    private static ReportText MadeAs(StoryStep write) => write.ActedFor is { } a
        ? Plain($"{a.Person} (delegated through {write.Identity}; subject ") + CodeOr(a.SubjectId) + Plain(")")
        : Plain($"{write.Identity} (its own authority)");

    /// <summary>Ids as code spans, joined; <paramref name="none"/> in prose when there are none.</summary>
    private static ReportText Codes(IReadOnlyList<string> ids, string none) => ids.Count == 0 ? Plain(none) : ReportText.Join(", ", ids.Select(Code));
}

using System.Globalization;
using System.Text;
using DurableAgentOps.Api.Pages;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Validation;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Api.Runs;

/// <summary>
/// What the run page shows one person, in plain words: what the workflow does, where the run is, each step and the
/// identity it ran under (a delegated step: the person it acts as, via which identity), each approval step with who is
/// asked and who decided (with their comment). Starters, approvers and readers see decisions and comments, not evidence
/// internals (client ids, digests, workers); an investigator also gets the run's evidence pages. Every value is encoded.
/// </summary>
internal sealed class RunPageView(RunPageAccess access, Caller caller, DateTimeOffset now, string pathPrefix)
{
    /// <summary>The page's own style, after the shared one: lists instead of wide tables, one column on a phone.</summary>
    public const string Style =
        "h1{overflow-wrap:anywhere}.lead{font-size:1.05rem;margin:.2rem 0 1rem}" +
        "ol.steps,ul.decisions{list-style:none;padding:0;margin:.4rem 0}" +
        "ol.steps li,ul.decisions li{background:#fff;border:1px solid #d0d7de;border-radius:.4rem;padding:.6rem .8rem;margin:.5rem 0;overflow-wrap:anywhere}" +
        "ol.steps li.later{background:transparent;border-style:dashed}.meta{display:block;color:#57606a;font-size:.92rem;margin-top:.2rem}" +
        "blockquote{margin:.4rem 0 0;padding:.1rem .7rem;border-left:3px solid #6e7781;white-space:pre-wrap;overflow-wrap:anywhere}" +
        "h3{font-size:1rem;margin:1.2rem 0 .3rem}dd{overflow-wrap:anywhere}.links p{display:inline-block;margin:.3rem .5rem .3rem 0}" +
        "@media (max-width:40rem){main{padding:1rem}dl{grid-template-columns:1fr}dt{margin-top:.4rem}}";

    private const int MaxReasonLength = 300;

    private readonly RunStatus status = access.Status;
    private readonly WorkflowDefinition? definition = access.Definition?.Definition;

    public HtmlPage Render()
    {
        var page = new HtmlPage(Style).Heading($"{status.Workflow}: run started by {status.Initiator.Name}");
        if (definition?.Description is { Length: > 0 } description)
        {
            page.Markup($"<p class=\"lead\" id=\"what\">{HtmlPage.Encode(description.Trim())}</p>");
        }

        var (kind, title, detail) = StatusLine();
        page.Banner(kind, title, detail, "status");
        page.Facts([
            ("Started by", status.Initiator.ToString()),
            ("Started", Time(status.CreatedAt)),
            ("Last change", Time(status.LastUpdatedAt)),
            ("Run", status.RunId),
            ("You see it as", YouAre()),
        ], "run");

        Steps(page);
        Gates(page);
        if (access.Investigator)
        {
            Investigators(page);
        }

        return page;
    }

    /// <summary>Where the run is, as a heading-sized sentence and a detail: the banner's colour agrees with the words.</summary>
    private (string Kind, string Title, string Detail) StatusLine()
    {
        if (status.Status == "Suspended")
        {
            return ("wait", "Paused by an administrator.", "The run goes on when an administrator resumes it.");
        }

        if (status.WaitingFor is { } wait)
        {
            var needed = wait.Quorum > 1
                ? $"{wait.ApprovalsSoFar} of {wait.Quorum} approvals so far — waiting for {wait.Quorum - wait.ApprovalsSoFar} more"
                : "one approval is needed";
            return ("wait", $"Waiting for approval at {wait.Gate} since {Time(Opened(wait))}.",
                $"Asked: {Approvers(wait.Approvers)}; {needed}. The decision is due by {Time(wait.ExpiresAt)}.");
        }

        if (status.Incomplete is { } incomplete)
        {
            return ("refused", "The write stopped part way.",
                $"{(access.Investigator ? Bounded(incomplete.Reason) + " " : string.Empty)}An administrator can finish it (the same approved change) until {Time(incomplete.ResumeBy)}.");
        }

        var decided = status.Approvals.LastOrDefault(a => a.Approver is not null && a.Counted == "counted");
        switch (status.Outcome)
        {
            case null when status.Phase == "queued":
                return ("wait", "Waiting for its turn to start.", "This host lets a limited number of runs go ahead at once; this one goes on when its turn comes.");
            case null:
                return ("wait", "Running.", status.CurrentStep is { } current ? $"Now: {StepTitle(current)}." : "It has just started.");
            case "completed" when status.Steps.Any(s => s.Kind == StepKind.Write):
                return ("ok", "Finished: the change was written.",
                    decided is { Approved: true } ? $"Approved by {decided.Approver!.Name} ({Time(decided.At)})." : "Every step is done.");
            case "completed":
                return ("ok", "Finished.", "Every step is done.");
            case "rejected":
                return ("refused", decided is { Approved: false } ? $"Finished: rejected by {decided.Approver!.Name}." : "Finished: rejected.",
                    decided is { Approved: false }
                        ? $"{(decided.Comment is { Length: > 0 } c ? $"“{c}” " : "No comment. ")}({Time(decided.At)}, via {Channel(decided.Channel)}). Nothing was written."
                        : "Nothing was written.");
            case "timed-out":
                return ("refused", "Finished: nobody decided in time.", "The approval was not given before its deadline, so nothing was written.");
            case "cancelled":
                return ("refused", "Finished: cancelled.", "Nobody decided before the deadline, and this workflow then cancels the run. Nothing was written.");
            case "terminated":
                return ("refused", "Stopped by an administrator.", "Nothing more happens in this run.");
            case "failed" when status.Phase == "refused":
                return ("refused", "Stopped before its first step.", "This host refused to run it" + (access.Investigator && status.Failure is { } refused ? $": {Bounded(refused.Reason)}" : "."));
            case "failed":
                return ("refused", status.Failure is { } failure && definition?.FindStep(failure.Step) is not null ? $"Stopped: {StepTitle(failure.Step)} failed." : "Stopped: a step failed.",
                    // The raw reason can name exception types or system answers: investigators read it, others a sentence.
                    status.Failure is not { } why ? "The reason was not recorded." : access.Investigator
                        ? $"Because: {Bounded(why.Reason)}"
                        : $"It ran under {why.Identity}. Nothing more happens in this run; an investigator can read why in its timeline.");
            default:
                return ("wait", $"Finished: {status.Outcome.Replace('-', ' ')}.", string.Empty);
        }
    }

    private void Steps(HtmlPage page)
    {
        page.Section("Steps");
        var html = new StringBuilder("<ol class=\"steps\" id=\"steps\">");
        var planned = definition?.Steps.Select(s => s.Id).ToList() ?? [];
        var ids = planned.Concat(status.Steps.Select(s => s.StepId)).Distinct(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var done = status.Steps.LastOrDefault(s => s.StepId == id);
            var step = definition?.FindStep(id);
            var identity = done?.Identity ?? step?.Identity;
            string state;
            if (done is not null)
            {
                state = done.Outcome == "succeeded" ? $"done {Time(done.StartedAt)}" : $"{done.Outcome} {Time(done.StartedAt)}";
            }
            else if (status.WaitingFor?.StepId == id)
            {
                state = $"waits for approval at {status.WaitingFor.Gate}";
            }
            else if (status.CurrentStep == id && status.Outcome is null)
            {
                state = status.Incomplete is not null ? "stopped part way" : "running now";
            }
            else
            {
                state = status.Outcome is null ? "still to come" : "not reached";
            }

            html.Append(done is null && status.CurrentStep != id ? "<li class=\"later\">" : "<li>")
                .Append("<strong>").Append(HtmlPage.Encode(StepTitle(id))).Append("</strong>")
                .Append("<span class=\"meta\">").Append(HtmlPage.Encode($"{state} · as {AsWhom(done, step, identity)}"));
            if (done is { Records.Count: > 0 })
            {
                html.Append(HtmlPage.Encode($" · on {string.Join(", ", done.Records)}"));
            }

            html.Append("</span></li>");
        }

        page.Markup(html.Append("</ol>").ToString());
    }

    private void Gates(HtmlPage page)
    {
        var gates = status.Approvals.Select(a => a.Gate).Append(status.WaitingFor?.Gate).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        page.Section("Approval");
        if (gates.Count == 0)
        {
            page.Paragraph(definition?.Gates.Count > 0 ? "No approval was asked for yet." : "This workflow asks nobody for approval.", "no-approval");
            return;
        }

        foreach (var gate in gates)
        {
            var defined = definition?.FindGate(gate);
            page.Markup($"<h3 id=\"gate-{HtmlPage.Encode(gate)}\">{HtmlPage.Encode($"Approval at {gate}")}</h3>");
            var asked = status.WaitingFor?.Gate == gate ? status.WaitingFor.Approvers : defined?.Approvers.Select(a => $"{a.Kind.ToString().ToLowerInvariant()}:{a.Name}").ToList() ?? [];
            var quorum = status.WaitingFor?.Gate == gate ? status.WaitingFor.Quorum : defined?.Quorum ?? 1;
            page.Facts([
                ("Who is asked", Approvers(asked)),
                ("Approvals needed", quorum.ToString(CultureInfo.InvariantCulture)),
            ]);

            var decisions = status.Approvals.Where(a => a.Gate == gate && a.Approver is not null && a.Counted == "counted").ToList();
            if (decisions.Count == 0)
            {
                page.Paragraph("Nobody has decided yet.");
            }
            else
            {
                var html = new StringBuilder("<ul class=\"decisions\" id=\"decisions\">");
                foreach (var d in decisions)
                {
                    html.Append("<li><strong>").Append(HtmlPage.Encode($"{d.Approver!.Name} {(d.Approved == true ? "approved" : "rejected")}")).Append("</strong>")
                        .Append("<span class=\"meta\">").Append(HtmlPage.Encode($"{Time(d.At)} · via {Channel(d.Channel)}")).Append("</span>");
                    html.Append(d.Comment is { Length: > 0 } comment
                        ? $"<blockquote class=\"comment\">{HtmlPage.Encode(comment)}</blockquote>"
                        : "<span class=\"meta\">No comment.</span>");
                    html.Append("</li>");
                }

                page.Markup(html.Append("</ul>").ToString());
            }

            var ignored = status.Approvals.Count(a => a.Gate == gate && a.Counted != "counted");
            if (access.Investigator && ignored > 0)
            {
                page.Paragraph($"{ignored} more answer(s) did not count; the timeline says why.", "not-counted");
            }
        }
    }

    private void Investigators(HtmlPage page)
    {
        var timeline = $"{pathPrefix}/runs/{Uri.EscapeDataString(status.RunId)}/timeline";
        page.Section("For investigators");
        page.Paragraph("The run's evidence: every record, who acted under which identity, and whether the record verifies.");
        page.Markup("<div class=\"links\" id=\"evidence-links\">");
        page.Link(timeline, "Timeline", "timeline");
        page.Link($"{timeline}/report?format=html", "Incident report", "report");
        page.Markup("</div>");
        page.Facts([("Definition (SHA-256)", status.DefinitionSha256)], "definition");
    }

    private string YouAre()
    {
        var roles = new List<string>();
        if (access.Initiator)
        {
            roles.Add("the person who started it");
        }

        if (access.ApproverOf is { } approver)
        {
            roles.Add($"an approver at {approver.Gate} ({approver.MatchedAs})");
        }

        if (access.Investigator)
        {
            roles.Add("an investigator");
        }
        else if (access.Reader && roles.Count == 0)
        {
            roles.Add("someone who may read runs");
        }

        return $"{caller.Name}: {string.Join("; ", roles)}";
    }

    /// <summary>The step as the workflow describes it ("Read the account (tier, owner, region)."), or its id.</summary>
    private string StepTitle(string stepId) =>
        definition?.FindStep(stepId)?.Description is { Length: > 0 } description ? description.Trim().TrimEnd('.') : stepId;

    /// <summary>
    /// Whom a step acts as: a delegated step "Name (delegated, via identity)", the person its record names (or, when its
    /// record names nobody, as before it ran or when it failed for want of a token, the run's initiator, whom a delegated
    /// identity acts for); any other step its identity in words.
    /// </summary>
    private string AsWhom(StepSummary? done, StepDefinition? step, string? identity)
    {
        if (done?.ActedFor is { } acted)
        {
            return $"{(acted.SubjectName is { Length: > 0 } name ? name : acted.SubjectId)} (delegated, via {done.Identity})";
        }

        var delegated = identity is not null
            && (step?.ActsFor == Delegation.Initiator || access.Definition?.Identities.FirstOrDefault(i => i.Name == identity)?.IsDelegated == true);
        return delegated ? $"{status.Initiator.Name} (delegated, via {identity})" : IdentityWords(identity);
    }

    private string IdentityWords(string? identity)
    {
        if (identity is null)
        {
            return "(unknown identity)";
        }

        var described = access.Definition?.Identities.FirstOrDefault(i => i.Name == identity)?.Description;
        return described is { Length: > 0 } ? $"{identity} ({described.Trim().TrimEnd('.')})" : identity;
    }

    /// <summary>Approver entries ("group:emea-sales-managers", "person:x@y") in words: "members of emea-sales-managers".</summary>
    private static string Approvers(IReadOnlyList<string> entries) =>
        entries.Count == 0
            ? "(not known on this host)"
            : string.Join(", ", entries.Select(e => e.Split([':', ' '], 2) switch
            {
                ["group", var name] => $"members of {name}",
                ["person", var name] => name,
                _ => e,
            }));

    private static string Channel(string? channel) => channel switch
    {
        "email" => "the approval mail",
        "teams" => "Teams",
        "cli" => "the command line",
        "api" => "the API",
        null or "" => "an unknown channel",
        _ => channel,
    };

    private static DateTime Opened(ApprovalWait wait) =>
        DateTime.SpecifyKind(wait.ExpiresAt, DateTimeKind.Utc) - (IsoDuration.TryParse(wait.Timeout, out var timeout) ? timeout : TimeSpan.Zero);

    private string Time(DateTime at) => Time(new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)));

    private string Time(DateTimeOffset at)
    {
        var text = at.UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return at.UtcDateTime.Date == now.UtcDateTime.Date ? $"today, {at.UtcDateTime.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture)}" : text;
    }

    private static string Bounded(string text) => text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…";
}

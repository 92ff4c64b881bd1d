using System.Globalization;
using System.Text;
using DurableAgentOps.Api.Diagnostics;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Pages;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;
using DurableAgentOps.Runtime.Evidence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api.Evidence;

/// <summary>
/// The investigators' timeline page (<c>GET /runs/{runId}/timeline</c>) and the incident report it links to
/// (<c>…/timeline/report?format=html|markdown</c>), for people signed in with the pages' OpenID Connect cookie (as the
/// approval page), who hold the Investigator or Administrator app role (the id token's <c>roles</c>). Built from the evidence
/// ledger only, so a run whose Durable history was purged still reads. No script; one style element allowed by hash.
/// </summary>
internal static class TimelinePage
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("RunTimelinePage", "GET", "/runs/{runId}/timeline", AgentOpsPolicies.PageInvestigator, PageAsync,
            PageEndpoint.Instance, new GuardedAction("The timeline page")),
        new("RunTimelineReport", "GET", "/runs/{runId}/timeline/report", AgentOpsPolicies.PageInvestigator, PageReportAsync,
            PageEndpoint.Instance, new GuardedAction("The incident report")),
        new("RunReport", "GET", "/api/runs/{runId}/report", AgentOpsPolicies.Investigator, ApiReportAsync, new GuardedAction("Evidence")),
    ];

    /// <summary>The page's path under the host (Functions serves it under /api).</summary>
    public static string PathFor(string runId) => $"/runs/{Uri.EscapeDataString(runId)}/timeline";

    /// <summary><c>GET /runs/{runId}/timeline</c>: the run's timeline, for a person signed in to the pages with the Investigator role.</summary>
    private static async Task PageAsync(string runId, HttpContext http, [FromServices] EvidenceService evidence, [FromServices] ILoggerFactory logs)
    {
        if (await InvalidIdAsync(http, runId))
        {
            return;
        }

        var caller = http.User.ToCaller();
        var (story, verification) = await LoadAsync(evidence, runId, http.RequestAborted);
        if (story is null)
        {
            await NotFoundAsync(http, runId);
            return;
        }

        var self = (http.Request.PathBase + http.Request.Path).Value!;
        var page = new HtmlPage(TimelineChart.Style).Heading($"{story.Run.Workflow ?? "Run"}: timeline of run {runId}");
        page.Banner(verification?.IsIntact == true ? "ok" : "refused", verification?.IsIntact == true ? "Evidence verified." : "Evidence does not verify.",
            $"{VerdictText.Summary(story, verification)} Signed in as {caller.Name}.");
        var run = story.Run;
        if (run.GovernanceWarning is { } warning)
        {
            page.Banner("wait", "Governance was off for this run.", warning, "governance-off");
        }

        page.Facts([
            ("Workflow", StoryText.Or(run.Workflow)),
            ("Run", run.RunId),
            ("Started by", run.Initiator is { } who ? $"{who.Display} (id {StoryText.Or(who.Id)})" : RunStory.Missing),
            ("Started", StoryText.Time(run.Started)),
            ("Ended", run.EndText),
            ("Governance off", run.GovernanceOff.Count == 0 ? "nothing" : string.Join(", ", run.GovernanceOff)),
            ("Definition (SHA-256)", StoryText.Or(run.DefinitionSha256)),
            ("Input digest", StoryText.Or(run.InputDigest)),
            ("Verification", IncidentReport.VerdictOf(verification)),
        ], "run");
        page.Markup("<div class=\"links\" id=\"report-links\">");
        page.Link($"{self}/report?format=html", "Incident report", "report-html");
        page.Link($"{self}/report?format=markdown", "Incident report (Markdown)", "report-markdown");
        page.Markup("</div>");

        var delegated = story.Lanes.Where(l => l.Delegated).ToList();
        page.Section("Lanes: who acted, over time").Markup(TimelineChart.Render(story))
            .Paragraph("Each bar is a step of the identity on its lane; a long wait is drawn as a break in the axis with its length written on it. "
                + (delegated.Count == 0 ? string.Empty
                    : $"Hatched bars on a lane labelled \u201cas\u201d a person are steps made as that person, through a delegated identity ({string.Join("; ", delegated.Select(l => $"{l.Identity} {l.AsWhom}"))}). ")
                + "The table \"Every record, in order\" lists the same events as text.", "chart-note");

        // A run with delegated steps gets an "Acted for" column (person, subject id, acting app); other runs read as before.
        var actedFor = story.Steps.Any(s => s.ActedFor is not null);
        page.Section("Each step's evidence").Markup(StackedTable.Html("steps",
            ["Step", "Kind", "Identity", "Client id", "Declared scope", "Granted scope", "Operations", "Records", "Started", "Duration", "Outcome", "Worker", "Output digest",
                .. actedFor ? (string[])["Acted for"] : []],
            story.Steps.Select(s => (IReadOnlyList<string>)[s.StepId, s.Kind, s.Identity, StoryText.Or(s.ClientId), s.Declared?.Describe() ?? RunStory.Missing,
                s.Granted?.Describe() ?? "no system grant (the step calls no system)", RunStory.Join(s.Operations, "none"), RunStory.Join(s.Records, "none"),
                StoryText.Time(s.Started ?? s.At), StoryText.Duration(s.DurationMs), s.Outcome, StoryText.Or(s.Worker), StoryText.Or(s.OutputDigest),
                .. actedFor ? [ActedFor(s)] : (string[])[]]), 3, 4, 5, 6, 7, 12, 13));

        var gate = story.Requests.Select(r => (r.Seq, Row: (IReadOnlyList<string>)[StoryText.Time(r.At), "approval request", StoryText.Or(r.Gate), string.Empty, string.Empty,
                $"{StoryText.Or(r.Why)}; change {StoryText.Or(r.ChangeDigest)}"]))
            .Concat(story.Notices.Select(n => (n.Seq, Row: (IReadOnlyList<string>)[StoryText.Time(n.At), $"notice ({StoryText.Or(n.Kind)})", StoryText.Or(n.Gate),
                $"{n.Recipients?.ToString(CultureInfo.InvariantCulture) ?? "?"} recipient(s)", RunStory.Join(n.Sent, "nothing sent"), RunStory.Join(n.Failures, string.Empty)])))
            .Concat(story.Decisions.Select(d => (d.Seq, Row: (IReadOnlyList<string>)[StoryText.Time(d.At), $"decision: {d.Verb}", StoryText.Or(d.Gate),
                d.Approver is { } a ? $"{a.Display} (id {StoryText.Or(a.Id)})" : RunStory.Missing, StoryText.Or(d.Channel),
                $"{StoryText.Or(d.Counted)}; as {StoryText.Or(d.MatchedAs)}; link {StoryText.Or(d.LinkId)}; change {StoryText.Or(d.ChangeDigest)}"
                    + (d.Comment is { Length: > 0 } c ? $"; comment: {c}" : string.Empty)])))
            .Concat(story.IgnoredEvents.Select(e => (e.Seq, Row: (IReadOnlyList<string>)[StoryText.Time(e.At), "ignored event", StoryText.Or(e.Gate), "(no verified principal)",
                StoryText.Or(e.Channel), StoryText.Or(e.Counted)])))
            .Concat(story.GateEvents.Select(e => (e.Seq, Row: (IReadOnlyList<string>)[StoryText.Time(e.At), e.Kind, StoryText.Or(e.Gate), string.Empty, string.Empty,
                e.To is null ? StoryText.Or(e.Detail) : $"to {e.To}: {StoryText.Or(e.Detail)}"])))
            .OrderBy(g => g.Seq).Select(g => g.Row);
        page.Section("Gate: approvals, notices, ignored events").Markup(StackedTable.Html("gate", ["At", "What", "Gate", "Who", "Channel", "Detail"], gate, 3, 5));

        page.Section("Refusals");
        if (story.Refusals.Count == 0)
        {
            page.Paragraph("Nothing was refused.", "refusals");
        }
        else
        {
            page.Markup(StackedTable.Html("refusals", ["At", "Step", "Identity or person", "Reason"],
                story.Refusals.Select(r => (IReadOnlyList<string>)[StoryText.Time(r.At), StoryText.Or(r.StepId), StoryText.Or(r.Who), StoryText.Or(r.Reason)]), 3));
        }

        var origin = run.Started ?? story.Events.FirstOrDefault()?.At ?? DateTimeOffset.UnixEpoch;
        page.Section("Every record, in order").Markup(StackedTable.Html("events", ["Offset", "Record", "Lane", "Event"],
            story.Events.Select(e => (IReadOnlyList<string>)[StoryText.Offset(e.At, origin), $"#{e.Seq.ToString(CultureInfo.InvariantCulture)} {e.Kind}", e.Lane, e.Summary]), 3));
        if (story.Problems.Count > 0)
        {
            page.Section("Reading notes").Markup(StackedTable.Html("problems", ["Note"], story.Problems.Select(p => (IReadOnlyList<string>)[p]), 0));
        }

        Log(logs).EvidenceShown(runId, "timeline page", caller.Id);
        await page.WriteAsync(http.Response, 200, $"Timeline: {runId}");
    }

    /// <summary><c>GET /runs/{runId}/timeline/report?format=html|markdown</c>: the incident report for a person signed in to the pages.</summary>
    private static async Task PageReportAsync(string runId, HttpContext http, [FromServices] EvidenceService evidence, [FromServices] ILoggerFactory logs)
    {
        if (await InvalidIdAsync(http, runId))
        {
            return;
        }

        var caller = http.User.ToCaller();
        if (ReportFormat(http) is not { } format)
        {
            await WriteRefusalAsync(http, 400, "Unknown report format", "Ask for format=html or format=markdown.");
            return;
        }

        var (story, verification) = await LoadAsync(evidence, runId, http.RequestAborted);
        if (story is null)
        {
            await NotFoundAsync(http, runId);
            return;
        }

        Log(logs).EvidenceShown(runId, $"incident report ({format})", caller.Id);
        await WriteReportAsync(http.Response, runId, format, story, verification);
    }

    /// <summary><c>GET /api/runs/{runId}/report?format=markdown|html</c>: the incident report for a bearer caller with the Investigator role.</summary>
    private static async Task<IResult> ApiReportAsync(
        string runId, HttpContext http, [FromServices] EvidenceService evidence, [FromServices] ILoggerFactory logs, CancellationToken ct)
    {
        var caller = http.User.ToCaller();
        if (ApiResults.InvalidId(runId, "runId") is { } bad)
        {
            return bad;
        }

        if (ReportFormat(http) is not { } format)
        {
            return ApiResults.BadRequest("'format' must be markdown or html.");
        }

        var (story, verification) = await LoadAsync(evidence, runId, ct);
        if (story is null)
        {
            return Results.Problem($"No evidence of run '{runId}': the ledger holds no record of it.", statusCode: 404, title: "Not found.");
        }

        Log(logs).EvidenceShown(runId, $"incident report ({format}, API)", caller.Id);
        return new ReportResult(runId, format, story, verification);
    }

    /// <summary>markdown (the default) or html; null for anything else.</summary>
    private static string? ReportFormat(HttpContext http) => http.Request.Query["format"].ToString() switch
    {
        "" or "markdown" or "md" => "markdown",
        "html" => "html",
        _ => null,
    };

    internal static async Task WriteReportAsync(HttpResponse response, string runId, string format, RunStory story, RunVerification? verification)
    {
        HtmlPage.Secure(response, IncidentReport.StylesheetHashSource);
        response.StatusCode = 200;
        if (format == "html")
        {
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(IncidentReport.ToHtml(story, verification), Encoding.UTF8);
            return;
        }

        response.ContentType = "text/markdown; charset=utf-8";
        response.Headers.ContentDisposition = $"inline; filename=\"{runId}.incident.md\"";
        await response.WriteAsync(IncidentReport.ToMarkdown(story, verification), Encoding.UTF8);
    }

    /// <summary>The run's story and verification from the ledger; a null story when the ledger holds no record of the run.</summary>
    private static async Task<(RunStory? Story, RunVerification? Verification)> LoadAsync(EvidenceService evidence, string runId, CancellationToken ct)
    {
        var (stored, verification) = await evidence.ReadVerifiedAsync(runId, ct);
        return stored is null || stored.Records.Count == 0 ? (null, null) : (RunStory.From(runId, stored.Records), verification);
    }

    /// <summary>True (the 400 page written) when the route's run id is not one ids ever are.</summary>
    private static async Task<bool> InvalidIdAsync(HttpContext http, string runId)
    {
        if (ApiResults.InvalidId(runId, "runId") is null)
        {
            return false;
        }

        await WriteRefusalAsync(http, 400, "Not a run id", $"A run id is 1-{ApiResults.MaxIdLength} letters, digits, '-', '_', '.' or ':'.");
        return true;
    }

    private static Task NotFoundAsync(HttpContext http, string runId) =>
        WriteRefusalAsync(http, 404, "No such run", $"The evidence ledger holds no record of run {runId}.");

    private static Task WriteRefusalAsync(HttpContext http, int status, string title, string detail) =>
        new HtmlPage().Heading("DurableAgentOps run timeline").Banner("refused", title, detail).WriteAsync(http.Response, status, title);

    private static ILogger Log(ILoggerFactory logs) => logs.CreateLogger(typeof(TimelinePage));

    /// <summary>"Name (delegated; subject id, acting app client)" for a delegated step; "its own authority (service identity)" otherwise.</summary>
    internal static string ActedFor(StoryStep step) => step.ActedFor is { } a
        ? $"{a.Person} (delegated; subject {StoryText.Or(a.SubjectId)}, acting app {StoryText.Or(a.ActorClientId)})"
        : "its own authority (service identity)";

    /// <summary>The API's report answer: written with the same headers as the page's.</summary>
    private sealed class ReportResult(string runId, string format, RunStory story, RunVerification? verification) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteReportAsync(httpContext.Response, runId, format, story, verification);
    }
}

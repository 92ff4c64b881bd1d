using System.Globalization;
using System.Text;
using DurableAgentOps.Core.Evidence.Story;
using static DurableAgentOps.Api.Pages.HtmlPage;

namespace DurableAgentOps.Api.Evidence;

/// <summary>
/// The timeline page's chart: an SVG with a lane per identity (its steps as bars from start to end, never narrower than
/// <see cref="MinBarWidth"/>; a delegated identity's lane is labelled with the person it acted for and its bars are
/// hatched, not only coloured, with a legend line saying so) and a gate lane (requests, notices, decisions, ignored
/// events, escalations), refusals marked on their identity's lane, on one time axis from the run's start, broken where a
/// long wait would squeeze the steps (<see cref="TimelineAxis"/>). A title and a description name what it shows and point to the table that lists the
/// same events as text. Positions are SVG attributes and looks are classes of the page's hashed stylesheet, so
/// the page needs no inline style; every recorded value is HTML-encoded (labels and &lt;title&gt; tooltips).
/// </summary>
internal static class TimelineChart
{
    public const string Style =
        "main{max-width:96rem}h1,dd,p,.banner{overflow-wrap:anywhere}" +
        ".chart{background:#fff;border:1px solid #d0d7de;border-radius:.4rem;margin:.5rem 0;overflow-x:auto}.chart:focus-visible{outline:3px solid #0969da;outline-offset:2px}" +
        ".chart svg{display:block;width:100%;height:auto}@media (max-width:48rem){.chart svg{width:56rem;max-width:none}main{padding:1rem .75rem}dl{grid-template-columns:1fr}}" +
        "svg text{font-family:system-ui,sans-serif}#chart-note{font-size:.9rem;color:#57606a}" +
        ".lane-name{font-size:12px;font-weight:600;fill:#1b1f24}.lane-sub{font-size:10px;fill:#57606a}.lane-band{fill:#f6f8fa}.lane-band.odd{fill:#fff}" +
        ".axis{stroke:#6e7781;stroke-width:1}.tick{font-size:10px;fill:#57606a}.grid{stroke:#eaeef2;stroke-width:1}" +
        ".gap{fill:#eaeef2;fill-opacity:.85}.break-mark{stroke:#57606a;stroke-width:1.5;fill:none}.gap-label{font-size:11px;font-weight:600;fill:#1b1f24}" +
        ".step{fill:#0969da}.step.delegated{fill:url(#delegated-hatch);stroke:#8250df;stroke-width:1.5}.step.failed{fill:#cf222e}" +
        ".hatch-ground{fill:#fbefff}.hatch-line{stroke:#8250df;stroke-width:2}.lane-band.delegated{fill:#f8f4ff}.lane-name.delegated,.lane-sub.delegated{fill:#6639ba}.lane-name.delegated{font-size:11px}.step-label{font-size:10px;fill:#1b1f24}" +
        ".request{fill:#9a6700}.notice{fill:#8250df}.decision{fill:#1a7f37}.decision.rejected{fill:#cf222e}.ignored{fill:#6e7781}.escalation{fill:#bc4c00}" +
        ".refusal{fill:#cf222e}.run-mark{stroke:#57606a;stroke-dasharray:3 3}.legend{font-size:11px;fill:#1b1f24}" +
        ".links p{display:inline-block;margin:.3rem .5rem .3rem 0}" + IncidentReport.StackedTables;

    /// <summary>The narrowest a step's bar is drawn, however short the step: every step stays visible and can be pointed at.</summary>
    public const double MinBarWidth = 6;

    private const int Width = 1100;
    private const int Left = 215;
    private const int Right = 30;
    private const int PlainTop = 34;
    private const int LaneHeight = 48;

    public static string Render(RunStory story)
    {
        ArgumentNullException.ThrowIfNull(story);
        var lanes = story.Lanes.Select(l => l.Identity).Concat(story.Refusals.Select(r => r.Identity ?? RunStory.RunLane)).Distinct(StringComparer.Ordinal).ToList();
        lanes.Add(RunStory.GateLane);
        var axis = TimelineAxis.Of(story, Left, Width - Right);
        var delegated = story.Lanes.Where(l => l.Delegated).ToList();
        var top = delegated.Count == 0 ? PlainTop : PlainTop + 16; // room for the legend's second line
        var origin = axis.Origin;
        double X(DateTimeOffset at) => axis.X(at);
        int LaneTop(string lane) => top + (lanes.IndexOf(lane) * LaneHeight);
        var axisY = top + (lanes.Count * LaneHeight);
        var height = axisY + 48;
        var breaks = axis.Breaks.ToList();

        var svg = new StringBuilder();
        var description = $"{story.Steps.Count()} step(s) by {story.Lanes.Count} identity(ies), and the gate's events, from {StoryText.Time(origin)} to {StoryText.Time(axis.End)}. "
            + (breaks.Count == 0 ? "Time is drawn to scale. "
                : $"Time is drawn to scale except {breaks.Count} break(s) in the axis where nothing happened: {string.Join("; ", breaks.Select(b => $"{StoryText.Span(b.Length)} from {StoryText.Time(b.From)}"))}. ")
            + (delegated.Count == 0 ? string.Empty
                : $"Hatched bars are steps made as a person, through a delegated identity: {string.Join("; ", delegated.Select(l => $"{l.Identity} {l.AsWhom}"))}. ")
            + "The table \"Every record, in order\" below lists the same events as text.";
        svg.Append("<div class=\"chart\" role=\"region\" aria-label=\"Timeline chart\" tabindex=\"0\">")
            .Append(CultureInfo.InvariantCulture, $"<svg id=\"lanes\" role=\"img\" aria-labelledby=\"lanes-title lanes-desc\" viewBox=\"0 0 {Width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">")
            .Append("<title id=\"lanes-title\">").Append(Encode($"Timeline of run {story.Run.RunId}: who acted, over time")).Append("</title>")
            .Append("<desc id=\"lanes-desc\">").Append(Encode(description)).Append("</desc>");
        if (delegated.Count > 0)
        {
            // Diagonal hatching: a delegated step differs from a service step by pattern and outline, not by colour alone.
            svg.Append("<defs><pattern id=\"delegated-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">")
                .Append("<rect class=\"hatch-ground\" width=\"6\" height=\"6\"/><line class=\"hatch-line\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\"/></pattern></defs>");
        }

        for (var i = 0; i < lanes.Count; i++)
        {
            var lane = lanes[i];
            var y = LaneTop(lane);
            var identity = story.Lanes.FirstOrDefault(l => l.Identity == lane);
            var sub = lane == RunStory.GateLane ? "approvals and notices" : identity is null ? "refusals" : string.Join(", ", identity.ClientIds);
            if (identity?.AsWhom is { } asWhom)
            {
                // "reader · as Name", and "delegated · app …" under it; the whole label, the app's client id in full, as the tooltip.
                var name = $"{lane} · {asWhom}";
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"lane delegated\" data-lane=\"{Encode(lane)}\" data-acted-for=\"{Encode(string.Join(", ", identity.ActedFor.Select(a => a.Person)))}\">")
                    .Append(CultureInfo.InvariantCulture, $"<rect class=\"lane-band delegated\" x=\"0\" y=\"{y}\" width=\"{Width}\" height=\"{LaneHeight}\"/>")
                    .Append(CultureInfo.InvariantCulture, $"<text class=\"lane-name delegated\" x=\"8\" y=\"{y + 20}\">{Encode(Cut(name, 34))}<title>{Encode($"{name} (delegated: its steps were made as that person, through {lane}, by the acting app {sub})")}</title></text>")
                    .Append(CultureInfo.InvariantCulture, $"<text class=\"lane-sub delegated\" x=\"8\" y=\"{y + 35}\">{Encode(Cut($"delegated · app {sub}", 32))}</text></g>");
                continue;
            }

            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"lane\" data-lane=\"{Encode(lane)}\"><rect class=\"lane-band{(i % 2 == 1 ? " odd" : string.Empty)}\" x=\"0\" y=\"{y}\" width=\"{Width}\" height=\"{LaneHeight}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"lane-name\" x=\"8\" y=\"{y + 20}\">{Encode(Cut(lane, 26))}</text>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"lane-sub\" x=\"8\" y=\"{y + 35}\">{Encode(Cut(sub, 40))}</text></g>");
        }

        // The axis: ticks at each stretch drawn to scale (its ends, and between them where there is room), and each break
        // as a shaded band across the lanes with a zigzag on the axis and the length of time it leaves out written under it.
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" y1=\"{axisY}\" x2=\"{Width - Right}\" y2=\"{axisY}\"/>");
        var segments = axis.Segments;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Broken)
            {
                var mid = (segment.X1 + segment.X2) / 2;
                var gap = StoryText.Span(segment.Length);
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"axis-break\" data-gap-ms=\"{(long)segment.Length.TotalMilliseconds}\">")
                    .Append(CultureInfo.InvariantCulture, $"<rect class=\"gap\" x=\"{Num(segment.X1)}\" y=\"{top}\" width=\"{Num(segment.X2 - segment.X1)}\" height=\"{axisY - top}\"/>")
                    .Append(CultureInfo.InvariantCulture, $"<path class=\"break-mark\" d=\"M{Num(mid - 9)},{axisY + 7} l6,-14 M{Num(mid + 3)},{axisY + 7} l6,-14\"/>")
                    .Append(CultureInfo.InvariantCulture, $"<text class=\"gap-label\" x=\"{Num(mid)}\" y=\"{axisY + 34}\" text-anchor=\"middle\">{Encode(gap)}</text>")
                    .Append("<title>").Append(Encode($"axis broken here: {gap} in which nothing happened ({StoryText.Time(segment.From)} to {StoryText.Time(segment.To)}))")).Append("</title></g>");
                continue;
            }

            var ticks = new List<(DateTimeOffset At, string Anchor)> { (segment.From, i == 0 ? "middle" : "start") };
            var width = segment.X2 - segment.X1;
            var between = (int)Math.Floor(width / 170);
            for (var t = 1; t < between; t++)
            {
                ticks.Add((segment.From + ((segment.To - segment.From) * t / between), "middle"));
            }

            if (width >= 110)
            {
                ticks.Add((segment.To, "end"));
            }

            foreach (var (at, anchor) in ticks)
            {
                var x = Num(X(at));
                svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{axisY}\"/>")
                    .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{x}\" y=\"{axisY + 16}\" text-anchor=\"{anchor}\">{Encode(StoryText.Offset(at, origin))}</text>");
            }
        }

        var legend = breaks.Count == 0
            ? $"from {StoryText.Time(origin)}, to scale; bars are steps, ◆ approval request, ▪ notice, ● decision, ○ ignored event, ✕ refusal"
            : $"from {StoryText.Time(origin)}; to scale except at each // break (time left out, its length written under it); bars are steps, ◆ request, ▪ notice, ● decision, ✕ refusal";
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{Left}\" y=\"18\">{Encode(legend)}</text>");
        if (delegated.Count > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"legend-delegated\"><rect class=\"step delegated\" x=\"{Left}\" y=\"26\" width=\"22\" height=\"10\" rx=\"2\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{Left + 28}\" y=\"35\">hatched: a step made as a person through a delegated identity (lane labelled \u201cas\u201d the person)</text></g>");
        }

        foreach (var lane in story.Lanes)
        {
            var y = LaneTop(lane.Identity);
            for (var i = 0; i < lane.Steps.Count; i++)
            {
                var step = lane.Steps[i];
                var start = TimelineAxis.StartOf(step);
                var x1 = X(start);
                var w = Math.Max(MinBarWidth, X(start.AddMilliseconds(step.DurationMs ?? 0)) - x1);
                var tip = $"{step.StepId} ({step.Kind}) as {step.Identity}, client {step.ClientId ?? RunStory.Missing}"
                    + (step.ActedFor is { } acted ? $", made as {acted.Person} (delegated; subject {StoryText.Or(acted.SubjectId)}, acting app {StoryText.Or(acted.ActorClientId)})" : string.Empty)
                    + $": {RunStory.Join(step.Operations, "no operation")} on {RunStory.Join(step.Records, "no record")}; {step.Outcome}, {StoryText.Duration(step.DurationMs)}";
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"step-mark\" data-step=\"{Encode(step.StepId)}\" data-identity=\"{Encode(step.Identity)}\"><rect class=\"step{(step.ActedFor is null ? string.Empty : " delegated")}{(step.Succeeded ? string.Empty : " failed")}\" x=\"{Num(x1)}\" y=\"{y + 8}\" width=\"{Num(w)}\" height=\"14\" rx=\"2\"><title>{Encode(tip)}</title></rect>")
                    .Append(CultureInfo.InvariantCulture, $"<text class=\"step-label\" {(x1 > Width * 0.8 ? $"x=\"{Num(x1 + w)}\" text-anchor=\"end\"" : $"x=\"{Num(x1)}\"")} y=\"{y + 34 + (i % 2 * 10)}\">{Encode(Cut(step.StepId, 28))}</text></g>");
            }
        }

        var gateY = LaneTop(RunStory.GateLane) + 22;
        foreach (var r in story.Requests)
        {
            Mark(svg, "request", X(r.At), gateY, $"approval asked at gate {r.Gate ?? RunStory.Missing}: {r.Why ?? RunStory.Missing}; change {r.ChangeDigest ?? RunStory.Missing}", Diamond);
        }

        foreach (var n in story.Notices)
        {
            Mark(svg, "notice", X(n.At), gateY, $"{n.Kind ?? "notice"} for gate {n.Gate ?? RunStory.Missing}: {n.Recipients?.ToString(CultureInfo.InvariantCulture) ?? "?"} recipient(s), {RunStory.Join(n.Sent, "nothing sent")}", Square);
        }

        foreach (var d in story.Decisions)
        {
            Mark(svg, d.Approved == false ? "decision rejected" : "decision", X(d.At), gateY,
                $"{d.Approver?.Display ?? RunStory.Missing} {d.Verb} at gate {d.Gate ?? RunStory.Missing} via {d.Channel ?? RunStory.Missing} ({d.Counted ?? RunStory.Missing})", Dot);
            // Near the right edge the label ends at the mark, so it stays inside the chart.
            var x = X(d.At);
            var anchor = x > Width * 0.7 ? $"x=\"{Num(x - 8)}\" text-anchor=\"end\"" : $"x=\"{Num(x + 8)}\"";
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"step-label\" {anchor} y=\"{gateY + 18}\">{Encode(Cut($"{d.Approver?.Name ?? RunStory.Missing} {d.Verb} ({d.Channel})", 40))}</text>");
        }

        foreach (var e in story.IgnoredEvents)
        {
            Mark(svg, "ignored", X(e.At), gateY, $"event ignored at gate {e.Gate ?? RunStory.Missing}: {e.Counted ?? RunStory.Missing}", Ring);
        }

        foreach (var e in story.GateEvents)
        {
            Mark(svg, "escalation", X(e.At), gateY, e.Kind == "escalation" ? $"escalated from {e.Gate} to {e.To}: {e.Detail}" : $"gate {e.Gate} timed out ({e.Detail})", Diamond);
        }

        foreach (var r in story.Refusals)
        {
            Mark(svg, "refusal", X(r.At), LaneTop(r.Identity ?? RunStory.RunLane) + 15, $"refused {r.StepId ?? RunStory.Missing}: {r.Reason ?? RunStory.Missing}", Cross);
        }

        if (story.Run.Ended is { } ended)
        {
            var x = Num(X(ended));
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"run-mark\" x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{axisY}\"><title>{Encode($"run ended: {story.Run.Outcome ?? RunStory.Missing}")}</title></line>");
        }

        return svg.Append("</svg></div>").ToString();
    }

    private static void Mark(StringBuilder svg, string cls, double x, double y, string tip, Func<double, double, string> shape) =>
        svg.Append("<g class=\"gate-mark\">").Append(shape(x, y).Replace("CLASS", Encode(cls), StringComparison.Ordinal).Replace("TIP", Encode(tip), StringComparison.Ordinal)).Append("</g>");

    private static string Diamond(double x, double y) =>
        $"<polygon class=\"CLASS\" points=\"{Num(x)},{Num(y - 7)} {Num(x + 7)},{Num(y)} {Num(x)},{Num(y + 7)} {Num(x - 7)},{Num(y)}\"><title>TIP</title></polygon>";

    private static string Square(double x, double y) => $"<rect class=\"CLASS\" x=\"{Num(x - 4)}\" y=\"{Num(y - 4)}\" width=\"8\" height=\"8\"><title>TIP</title></rect>";

    private static string Dot(double x, double y) => $"<circle class=\"CLASS\" cx=\"{Num(x)}\" cy=\"{Num(y)}\" r=\"6\"><title>TIP</title></circle>";

    private static string Ring(double x, double y) =>
        $"<circle class=\"CLASS\" cx=\"{Num(x)}\" cy=\"{Num(y)}\" r=\"6\" fill-opacity=\"0.35\"><title>TIP</title></circle>";

    private static string Cross(double x, double y) =>
        $"<polygon class=\"CLASS\" points=\"{Num(x - 6)},{Num(y - 4)} {Num(x - 4)},{Num(y - 6)} {Num(x)},{Num(y - 2)} {Num(x + 4)},{Num(y - 6)} {Num(x + 6)},{Num(y - 4)} {Num(x + 2)},{Num(y)} {Num(x + 6)},{Num(y + 4)} {Num(x + 4)},{Num(y + 6)} {Num(x)},{Num(y + 2)} {Num(x - 4)},{Num(y + 6)} {Num(x - 6)},{Num(y + 4)} {Num(x - 2)},{Num(y)}\"><title>TIP</title></polygon>";

    private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

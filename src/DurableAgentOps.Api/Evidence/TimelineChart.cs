using System.Globalization;
using System.Text;
using DurableAgentOps.Core.Evidence.Story;
using static DurableAgentOps.Api.Pages.HtmlPage;

namespace DurableAgentOps.Api.Evidence;

/// <summary>
/// The timeline page's chart: an SVG with a lane per identity (its steps as bars from start to end) and a gate lane
/// (requests, notices, decisions, ignored events, escalations), refusals marked on their identity's lane, on one time
/// axis from the run's start. Positions are SVG attributes and looks are classes of the page's hashed stylesheet, so
/// the page needs no inline style; every recorded value is HTML-encoded (labels and &lt;title&gt; tooltips).
/// </summary>
internal static class TimelineChart
{
    public const string Style =
        "main{max-width:96rem}.chart{background:#fff;border:1px solid #d0d7de;border-radius:.4rem;margin:.5rem 0}.chart svg{display:block;width:100%;height:auto}" +
        "svg text{font-family:system-ui,sans-serif}#steps td,#gate td,#events td,#refusals td{word-break:normal;overflow-wrap:break-word;font-size:.85rem}" +
        "#steps td:nth-child(4),#steps td:last-child{word-break:break-all;min-width:7rem}#gate td:last-child,#events td:last-child{overflow-wrap:anywhere}" +
        "#events td:first-child,#gate td:first-child{white-space:nowrap}" +
        ".lane-name{font-size:12px;font-weight:600;fill:#1b1f24}.lane-sub{font-size:10px;fill:#57606a}.lane-band{fill:#f6f8fa}.lane-band.odd{fill:#fff}" +
        ".axis{stroke:#8c959f;stroke-width:1}.tick{font-size:10px;fill:#57606a}.grid{stroke:#eaeef2;stroke-width:1}" +
        ".step{fill:#1f6feb}.step.failed{fill:#cf222e}.step-label{font-size:10px;fill:#1b1f24}" +
        ".request{fill:#9a6700}.notice{fill:#8250df}.decision{fill:#1a7f37}.decision.rejected{fill:#cf222e}.ignored{fill:#8c959f}.escalation{fill:#bc4c00}" +
        ".refusal{fill:#cf222e}.run-mark{stroke:#57606a;stroke-dasharray:3 3}.legend{font-size:11px;fill:#1b1f24}" +
        ".links p{display:inline-block;margin:.3rem .5rem .3rem 0}";

    private const int Width = 1100;
    private const int Left = 215;
    private const int Right = 30;
    private const int Top = 34;
    private const int LaneHeight = 48;

    public static string Render(RunStory story)
    {
        ArgumentNullException.ThrowIfNull(story);
        var lanes = story.Lanes.Select(l => l.Identity).Concat(story.Refusals.Select(r => r.Identity ?? RunStory.RunLane)).Distinct(StringComparer.Ordinal).ToList();
        lanes.Add(RunStory.GateLane);
        var origin = story.Run.Started ?? story.Events.FirstOrDefault()?.At ?? DateTimeOffset.UnixEpoch;
        var end = new[] { story.Run.Ended ?? origin, story.Events.LastOrDefault()?.At ?? origin }
            .Concat(story.Steps.Select(s => (s.Started ?? s.At).AddMilliseconds(s.DurationMs ?? 0))).Max();
        var span = Math.Max(1, (end - origin).TotalMilliseconds);
        double X(DateTimeOffset at) => Left + Math.Clamp((at - origin).TotalMilliseconds / span, 0, 1) * (Width - Left - Right);
        int LaneTop(string lane) => Top + (lanes.IndexOf(lane) * LaneHeight);
        var height = Top + (lanes.Count * LaneHeight) + 30;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<div class=\"chart\"><svg id=\"lanes\" role=\"img\" aria-label=\"Timeline of the run's steps per identity\" viewBox=\"0 0 {Width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append("<title>").Append(Encode($"Timeline of run {story.Run.RunId}")).Append("</title>");

        for (var i = 0; i < lanes.Count; i++)
        {
            var lane = lanes[i];
            var y = LaneTop(lane);
            var identity = story.Lanes.FirstOrDefault(l => l.Identity == lane);
            var sub = lane == RunStory.GateLane ? "approvals and notices" : identity is null ? "refusals" : string.Join(", ", identity.ClientIds);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"lane\" data-lane=\"{Encode(lane)}\"><rect class=\"lane-band{(i % 2 == 1 ? " odd" : string.Empty)}\" x=\"0\" y=\"{y}\" width=\"{Width}\" height=\"{LaneHeight}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"lane-name\" x=\"8\" y=\"{y + 20}\">{Encode(Cut(lane, 26))}</text>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"lane-sub\" x=\"8\" y=\"{y + 35}\">{Encode(Cut(sub, 40))}</text></g>");
        }

        // The time axis: five ticks with their offset from the start.
        var axisY = Top + (lanes.Count * LaneHeight);
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" y1=\"{axisY}\" x2=\"{Width - Right}\" y2=\"{axisY}\"/>");
        for (var t = 0; t <= 4; t++)
        {
            var at = origin.AddMilliseconds(span * t / 4);
            var x = Num(X(at));
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{x}\" y1=\"{Top}\" x2=\"{x}\" y2=\"{axisY}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{x}\" y=\"{axisY + 16}\" text-anchor=\"middle\">{Encode(StoryText.Offset(at, origin))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{Left}\" y=\"18\">{Encode($"from {StoryText.Time(origin)}; bars are steps, ◆ approval request, ▪ notice, ● decision, ○ ignored event, ✕ refusal")}</text>");

        foreach (var lane in story.Lanes)
        {
            var y = LaneTop(lane.Identity);
            for (var i = 0; i < lane.Steps.Count; i++)
            {
                var step = lane.Steps[i];
                var start = step.Started ?? step.At.AddMilliseconds(-(step.DurationMs ?? 0));
                var x1 = X(start);
                var w = Math.Max(4, X(start.AddMilliseconds(step.DurationMs ?? 0)) - x1);
                var tip = $"{step.StepId} ({step.Kind}) as {step.Identity}, client {step.ClientId ?? RunStory.Missing}: {RunStory.Join(step.Operations, "no operation")} on {RunStory.Join(step.Records, "no record")}; {step.Outcome}, {StoryText.Duration(step.DurationMs)}";
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"step-mark\" data-step=\"{Encode(step.StepId)}\" data-identity=\"{Encode(step.Identity)}\"><rect class=\"step{(step.Succeeded ? string.Empty : " failed")}\" x=\"{Num(x1)}\" y=\"{y + 8}\" width=\"{Num(w)}\" height=\"14\" rx=\"2\"><title>{Encode(tip)}</title></rect>")
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
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"run-mark\" x1=\"{x}\" y1=\"{Top}\" x2=\"{x}\" y2=\"{axisY}\"><title>{Encode($"run ended: {story.Run.Outcome ?? RunStory.Missing}")}</title></line>");
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

using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using DurableAgentOps.Api.Evidence;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The timeline page's SVG, without a host: well-formed, a lane per identity, every recorded value encoded; and a run
/// whose approval waited two days beside steps of 200 ms, drawn with a broken axis (also in Chromium, at a phone's and a
/// desktop's width, screenshots under .artifacts/screenshots/timeline-chart-*.png).
/// </summary>
public sealed class TimelineChartTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private const string App = "6f1c0a10-0000-4000-8000-0000000000a1";

    [Fact]
    public void Render_HostileIdentityStepAndApprover_IsWellFormedSvgWithTheValuesAsText()
    {
        const string Evil = "<script>alert(1)</script>\"' onload=\"x";
        var story = RunStory.From(EvidenceChain.Append("r1", ChainTip.Start, [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "w" }),
            new EvidenceEntry("step", T0.AddSeconds(1), new JsonObject
            {
                ["stepId"] = Evil, ["identity"] = Evil, ["clientId"] = "c", ["operations"] = new JsonArray("crm.accounts.read"), ["records"] = new JsonArray("A"),
                ["outcome"] = "succeeded", ["startedAt"] = "2026-11-30T09:00:00.500Z", ["durationMs"] = 500, ["call"] = new JsonObject { ["activity"] = "ReadStepActivity" },
            }),
            new EvidenceEntry("refusal", T0.AddSeconds(2), new JsonObject { ["stepId"] = "write", ["identity"] = "crm-writer", ["reason"] = Evil }),
            new EvidenceEntry("decision", T0.AddSeconds(3), new JsonObject
            {
                ["gate"] = "g", ["approver"] = new JsonObject { ["id"] = "t/x", ["name"] = Evil }, ["approved"] = true, ["channel"] = "email", ["counted"] = "counted",
            }),
            new EvidenceEntry("run-end", T0.AddSeconds(4), new JsonObject { ["outcome"] = "completed" }),
        ]));

        var svg = TimelineChart.Render(story);

        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onload=\"", svg, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", svg, StringComparison.Ordinal); // positions are attributes, looks are classes
        var root = XElement.Parse(svg); // well-formed: nothing recorded broke out of an attribute or an element
        XNamespace ns = "http://www.w3.org/2000/svg";
        var lanes = root.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "lane").Select(g => (string?)g.Attribute("data-lane")).ToList();
        Assert.Equal([Evil, "crm-writer", RunStory.GateLane], lanes);
        Assert.Contains(root.Descendants(ns + "title"), t => t.Value.StartsWith($"refused write: {Evil}", StringComparison.Ordinal));
        Assert.Contains(root.Descendants(ns + "title"), t => t.Value.StartsWith($"{Evil} approved at gate g via email", StringComparison.Ordinal));
        Assert.Single(root.Descendants(ns + "g"), g => (string?)g.Attribute("class") == "step-mark");
        Assert.Equal(2, root.Descendants(ns + "g").Count(g => (string?)g.Attribute("class") == "gate-mark")); // the refusal and the decision
    }

    [Fact]
    public void Render_TwoDayApprovalWaitBesideStepsOf200Ms_BreaksTheAxisWithTheWaitWrittenOnItAndKeepsEveryStepWide()
    {
        var root = XElement.Parse(TimelineChart.Render(TwoDayWait()));

        var bars = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "step-mark")
            .Select(g => (Step: (string)g.Attribute("data-step")!, Rect: g.Element(Svg + "rect")!))
            .Select(b => (b.Step, X: Number(b.Rect, "x"), Width: Number(b.Rect, "width"))).ToList();
        Assert.Equal(["read-account", "read-last-call", "draft-followup", "route-by-tier", "write-followup"], bars.Select(b => b.Step));
        Assert.All(bars, b => Assert.True(b.Width >= 40, $"{b.Step} is {b.Width} units wide of 1100")); // 200 ms is still a readable bar
        Assert.True(bars.Zip(bars.Skip(1)).All(p => p.First.X + p.First.Width <= p.Second.X), "bars overlap or run backwards: " + string.Join(", ", bars));

        var gap = Assert.Single(root.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "axis-break");
        Assert.InRange(TimeSpan.FromMilliseconds(Number(gap, "data-gap-ms")), TimeSpan.FromDays(2) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(2) + TimeSpan.FromSeconds(1));
        Assert.Equal("2 d 0 h", gap.Elements(Svg + "text").Single().Value);
        var band = gap.Element(Svg + "rect")!;
        Assert.InRange(Number(band, "x"), bars[3].X + bars[3].Width, bars[4].X); // the break sits between the gate's request and the write
        Assert.StartsWith("axis broken here: 2 d 0 h in which nothing happened", gap.Element(Svg + "title")!.Value, StringComparison.Ordinal);

        // The axis labels say the truth on each side of the break: offsets from the start, to scale within each stretch.
        var ticks = root.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "tick").Select(t => (X: Number(t, "x"), Label: t.Value)).ToList();
        Assert.True(ticks.Zip(ticks.Skip(1)).All(p => p.First.X <= p.Second.X), "tick positions are not monotonic");
        Assert.Contains(ticks, t => t.Label == "+0:00.000");
        Assert.Contains(ticks, t => t.X > Number(band, "x") && t.Label.StartsWith("+48:00:0", StringComparison.Ordinal));
        Assert.Contains("to scale except at each // break", root.Descendants(Svg + "text").Single(t => (string?)t.Attribute("class") == "legend").Value, StringComparison.Ordinal);
        Assert.Contains("1 break(s) in the axis where nothing happened: 2 d 0 h", root.Element(Svg + "svg")!.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
        Assert.Equal("lanes-title lanes-desc", (string?)root.Element(Svg + "svg")!.Attribute("aria-labelledby"));
    }

    [Fact]
    public void Render_RunOfSecondsWithoutLongGaps_IsDrawnToScaleWithoutABreak()
    {
        var story = TwoDayWait(wait: TimeSpan.FromSeconds(3));

        var root = XElement.Parse(TimelineChart.Render(story));

        Assert.DoesNotContain(root.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "axis-break");
        Assert.Contains(", to scale;", root.Descendants(Svg + "text").Single(t => (string?)t.Attribute("class") == "legend").Value, StringComparison.Ordinal);
        var bars = root.Descendants(Svg + "rect").Where(r => ((string?)r.Attribute("class"))?.StartsWith("step", StringComparison.Ordinal) == true).ToList();
        var widths = bars.Select(r => Number(r, "width")).ToList();
        Assert.Equal(widths[0], widths[1], 0.5); // equal durations, equal widths: linear
    }

    [Fact]
    public void Render_DelegatedLane_IsHatchedAndLabelledAsThePersonWithALegendLine_TheServiceLaneIsNot()
    {
        var story = Delegated();
        var root = XElement.Parse(TimelineChart.Render(story));

        var lanes = root.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("class"))?.Split(' ').Contains("lane") == true).ToList();
        var delegated = Assert.Single(lanes, l => (string?)l.Attribute("class") == "lane delegated");
        Assert.Equal("crm-rep-reader", (string?)delegated.Attribute("data-lane"));
        Assert.Equal("Alice Martin", (string?)delegated.Attribute("data-acted-for"));
        Assert.StartsWith("crm-rep-reader · as Alice Martin", delegated.Elements(Svg + "text").First().Value, StringComparison.Ordinal);
        Assert.StartsWith("delegated · app 6f1c0a10", delegated.Elements(Svg + "text").Last().Value, StringComparison.Ordinal);
        Assert.Contains($"by the acting app {App}", delegated.Descendants(Svg + "title").Single().Value, StringComparison.Ordinal);
        var service = Assert.Single(lanes, l => (string?)l.Attribute("data-lane") == "crm-reader");
        Assert.Equal("lane", (string?)service.Attribute("class"));
        Assert.DoesNotContain("as ", service.Value, StringComparison.Ordinal);

        var bars = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "step-mark").ToDictionary(g => (string)g.Attribute("data-step")!, g => g.Element(Svg + "rect")!);
        Assert.Equal("step delegated", (string?)bars["read-my-call"].Attribute("class")); // a pattern and an outline, not a colour alone
        Assert.Equal("step", (string?)bars["read-account"].Attribute("class"));
        Assert.Contains($"made as Alice Martin (delegated; subject t/alice, acting app {App})", bars["read-my-call"].Element(Svg + "title")!.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("delegated", bars["read-account"].Element(Svg + "title")!.Value, StringComparison.Ordinal);
        Assert.Single(root.Descendants(Svg + "pattern"), p => (string?)p.Attribute("id") == "delegated-hatch");
        Assert.Contains("a step made as a person through a delegated identity", root.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend-delegated").Value,
            StringComparison.Ordinal);
        Assert.Contains("Hatched bars are steps made as a person, through a delegated identity: crm-rep-reader as Alice Martin.", root.Element(Svg + "svg")!.Element(Svg + "desc")!.Value,
            StringComparison.Ordinal);
        Assert.Contains(".step.delegated{fill:url(#delegated-hatch)", TimelineChart.Style, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chart_DelegatedLaneInChromium_BarsAreHatchedAndTheLaneLabelFitsBesideTheBars()
    {
        var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>chart</title>"
            + $"<style>body{{font-family:sans-serif;margin:0}}main{{padding:1rem}}{TimelineChart.Style}</style></head><body><main>{TimelineChart.Render(Delegated())}</main></body></html>";
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 900);
        await page.SetContentAsync(html);

        await PageChecks.SaveScreenshotAsync(page, "timeline-chart-delegated");
        Assert.Equal("url(\"#delegated-hatch\")", await page.Locator("#lanes g.step-mark rect.step.delegated").EvaluateAsync<string>("r => getComputedStyle(r).fill"));
        Assert.NotEqual(await page.Locator("#lanes g.step-mark rect.step.delegated").EvaluateAsync<string>("r => getComputedStyle(r).fill"),
            await page.Locator("#lanes g.step-mark rect.step:not(.delegated)").EvaluateAsync<string>("r => getComputedStyle(r).fill"));
        foreach (var label in new[] { "#lanes text.lane-name.delegated", "#lanes text.lane-sub.delegated" })
        {
            var right = await page.Locator(label).EvaluateAsync<double>("t => { const b = t.getBBox(); return b.x + b.width; }");
            Assert.True(right <= 212, $"{label} ends at {right} of the 215 units left of the bars");
        }
    }

    [Fact]
    public void ActedFor_DelegatedAndServiceStep_TheStepsTableNamesPersonSubjectAndActingAppOrTheIdentitysOwnAuthority()
    {
        var steps = Delegated().Steps.ToDictionary(s => s.StepId);

        Assert.Equal($"Alice Martin (delegated; subject t/alice, acting app {App})", TimelinePage.ActedFor(steps["read-my-call"]));
        Assert.Equal("its own authority (service identity)", TimelinePage.ActedFor(steps["read-account"]));
    }

    [Fact]
    public void Render_ServiceIdentitiesOnly_HasNoDelegatedLaneLegendOrPattern()
    {
        var svg = TimelineChart.Render(TwoDayWait());

        Assert.DoesNotContain("delegated", svg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chart_TwoDayWaitInChromium_FitsAPhoneAndADesktopAndEveryBarIsVisible()
    {
        var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>chart</title>"
            + $"<style>body{{font-family:sans-serif;margin:0}}main{{padding:1rem}}{TimelineChart.Style}</style></head><body><main><h1>Timeline</h1>{TimelineChart.Render(TwoDayWait())}</main></body></html>";
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SetContentAsync(html);

        foreach (var size in PageChecks.Widths)
        {
            await page.SetViewportSizeAsync(size.Width, size.Height);
            await PageChecks.SaveScreenshotAsync(page, $"timeline-chart-two-day-wait-{size.Name}");
            await PageChecks.AssertNoSidewaysScrollAsync(page, $"the chart at {size.Width} px");
            var widths = await page.Locator("#lanes rect.step").EvaluateAllAsync<double[]>("rs => rs.map(r => r.getBoundingClientRect().width)");
            Assert.Equal(5, widths.Length);
            Assert.All(widths, w => Assert.True(w >= 20, $"a step bar is {w} px wide at {size.Width} px"));
        }
    }

    /// <summary>Four steps of 200 ms, a gate that waits <paramref name="wait"/> (two days by default) for Bob, a write of 200 ms, the end.</summary>
    private static RunStory TwoDayWait(TimeSpan? wait = null)
    {
        var decided = T0.AddSeconds(1.2) + (wait ?? TimeSpan.FromDays(2));
        JsonObject Step(string id, string identity, DateTimeOffset started) => new()
        {
            ["stepId"] = id, ["identity"] = identity, ["clientId"] = $"client-{identity}", ["operations"] = new JsonArray(), ["records"] = new JsonArray(),
            ["outcome"] = "succeeded", ["startedAt"] = started.ToString("O", CultureInfo.InvariantCulture), ["durationMs"] = 200,
            ["call"] = new JsonObject { ["activity"] = "ReadStepActivity" },
        };
        return RunStory.From(EvidenceChain.Append("r2", ChainTip.Start, [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-followup" }),
            new EvidenceEntry("step", T0.AddSeconds(0.2), Step("read-account", "crm-reader", T0)),
            new EvidenceEntry("step", T0.AddSeconds(0.5), Step("read-last-call", "crm-reader", T0.AddSeconds(0.3))),
            new EvidenceEntry("step", T0.AddSeconds(0.8), Step("draft-followup", "drafter", T0.AddSeconds(0.6))),
            new EvidenceEntry("step", T0.AddSeconds(1.1), Step("route-by-tier", "router", T0.AddSeconds(0.9))),
            new EvidenceEntry("approval-request", T0.AddSeconds(1.2), new JsonObject { ["gate"] = "manager-review", ["stepId"] = "write-followup" }),
            new EvidenceEntry("decision", decided, new JsonObject
            {
                ["gate"] = "manager-review", ["approver"] = new JsonObject { ["id"] = "t/bob", ["name"] = "Bob Manager" }, ["approved"] = true, ["channel"] = "email", ["counted"] = "counted",
            }),
            new EvidenceEntry("step", decided.AddSeconds(0.3), Step("write-followup", "crm-writer", decided.AddSeconds(0.1))),
            new EvidenceEntry("run-end", decided.AddSeconds(0.4), new JsonObject { ["outcome"] = "completed" }),
        ]));
    }

    /// <summary>A service read and a read made as Alice through a delegated identity.</summary>
    private static RunStory Delegated()
    {
        JsonObject Step(string id, string identity, DateTimeOffset started, bool delegated) => new()
        {
            ["stepId"] = id, ["identity"] = identity, ["clientId"] = delegated ? App : "client-reader", ["operations"] = new JsonArray(), ["records"] = new JsonArray(),
            ["outcome"] = "succeeded", ["startedAt"] = started.ToString("O", CultureInfo.InvariantCulture), ["durationMs"] = 200,
            ["call"] = new JsonObject { ["activity"] = "ReadStepActivity" },
            ["actedFor"] = delegated ? new JsonObject { ["subjectId"] = "t/alice", ["subjectName"] = "Alice Martin", ["actorClientId"] = App } : null,
        };
        return RunStory.From(EvidenceChain.Append("r3", ChainTip.Start, [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-call-note" }),
            new EvidenceEntry("step", T0.AddSeconds(0.2), Step("read-account", "crm-reader", T0, delegated: false)),
            new EvidenceEntry("step", T0.AddSeconds(0.5), Step("read-my-call", "crm-rep-reader", T0.AddSeconds(0.3), delegated: true)),
            new EvidenceEntry("run-end", T0.AddSeconds(1), new JsonObject { ["outcome"] = "completed" }),
        ]));
    }

    private static double Number(XElement element, string attribute) => double.Parse((string)element.Attribute(attribute)!, CultureInfo.InvariantCulture);
}

using System.Text.Json.Nodes;
using System.Xml.Linq;
using DurableAgentOps.Api.Evidence;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;

namespace DurableAgentOps.IntegrationTests;

/// <summary>The timeline page's SVG, without a host: well-formed, a lane per identity, every recorded value encoded.</summary>
public sealed class TimelineChartTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

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
}

using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;
using static DurableAgentOps.Core.Tests.Story.StoryFixture;

namespace DurableAgentOps.Core.Tests.Story;

/// <summary>
/// A run whose call read and note write were made as the person who started it (delegated steps: their records carry
/// <c>actedFor</c>), beside a service identity's read: the account, the report's tables and the terminal timeline say
/// whom each delegated step was made as, with subject and actor ids, and say nothing of delegation for the service step.
/// </summary>
public sealed class DelegatedStoryTests
{
    private const string App = "6f1c0a10-0000-4000-8000-0000000000a1";

    [Fact]
    public void Tell_DelegatedReadAndWrite_SayWhomTheyWereMadeAsAndTheServiceReadSaysNothingOfDelegation()
    {
        var md = IncidentReport.ToMarkdown(RunStory.From(DelegatedRun()), Verified);

        var account = md[md.IndexOf("## What happened\n", StringComparison.Ordinal)..md.IndexOf("## Verdict\n", StringComparison.Ordinal)];
        Assert.Contains("- As crm-reader it read `ACC-000002` (crm.accounts.read).\n", account, StringComparison.Ordinal);
        Assert.Contains("- As Alice Martin (delegated through crm-rep-reader) it read `CALL-00000004` (crm.calls.read): the system answered with that person's own rights "
            + $"(subject `t/alice`, acting app `{App}`).\n", account, StringComparison.Ordinal);
        Assert.Contains($"- The run wrote to crm as Alice Martin (delegated through crm-rep-writer: subject `t/alice`, acting app `{App}`): crm.notes.create on `ACC-000002`, "
            + "on 2026-11-30 at 09:00:01 UTC: succeeded", account, StringComparison.Ordinal);
        Assert.DoesNotContain("crm-reader (delegated", md, StringComparison.Ordinal);
    }

    [Fact]
    public void ToMarkdown_DelegatedSteps_TablesShowSubjectAndActorIdsOfEachDelegatedStepOnly()
    {
        var md = IncidentReport.ToMarkdown(RunStory.From(DelegatedRun()), Verified);
        var lines = md.Split('\n');

        Assert.Contains("| Identity | Client id | Steps | Declared scope | Granted scope | Operations used | Records touched | Acted for |", lines);
        Assert.EndsWith("| its own authority (service identity) |", Assert.Single(lines, l => l.StartsWith("| crm-reader |", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith($"| Alice Martin (subject `t/alice`, acting app `{App}`) |",
            Assert.Single(lines, l => l.StartsWith("| crm-rep-writer |", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("### Steps made as a person (delegated)", md, StringComparison.Ordinal);
        Assert.Contains($"| read-my-call | read | crm-rep-reader | Alice Martin | `t/alice` | `{App}` | crm.calls.read | `CALL-00000004` | succeeded |", lines);
        Assert.Contains($"| write-note | write | crm-rep-writer | Alice Martin | `t/alice` | `{App}` | crm.notes.create | `ACC-000002` | succeeded |", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("| read-account | read |", StringComparison.Ordinal)); // the service read is not a delegated step
        Assert.EndsWith("| Alice Martin (delegated through crm-rep-writer; subject `t/alice`) |",
            Assert.Single(lines, l => l.StartsWith("| crm | write-note |", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void ToMarkdown_ServiceIdentitiesOnly_SaysNothingOfDelegation()
    {
        var md = IncidentReport.ToMarkdown(RunStory.From(Run()), Verified);

        Assert.DoesNotContain("delegat", md, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Acted for", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Made as", md, StringComparison.Ordinal);
    }

    [Fact]
    public void TimelineText_DelegatedLane_SaysWhomItActedForAndEachStepLineNamesSubjectAndActor()
    {
        var text = TimelineText.Render(RunStory.From(DelegatedRun()), Verified);

        Assert.Matches(@"\n  crm-rep-writer\s+client " + App + @"; as Alice Martin \(delegated\); 1 step\(s\): write-note \(write, succeeded\)\n", text);
        Assert.Matches(@"\n  crm-reader\s+client client-reader; 1 step\(s\)", text);
        Assert.Contains($"read step read-my-call as crm-rep-reader for Alice Martin (delegated: subject t/alice, actor {App}): crm.calls.read on CALL-00000004 — succeeded", text, StringComparison.Ordinal);
        Assert.Contains("read step read-account as crm-reader: crm.accounts.read on ACC-000002 — succeeded", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_HostileSubjectName_IsEncoded()
    {
        var html = IncidentReport.ToHtml(RunStory.From(DelegatedRun(name: "<img src=x onerror=alert(1)>")), Verified);

        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("As &lt;img src=x onerror=alert(1)&gt; (delegated through crm-rep-reader)", html, StringComparison.Ordinal);
    }

    /// <summary>A service read, a delegated read and a delegated write, as the recorder writes them (camelCase).</summary>
    internal static IReadOnlyList<EvidenceRecord> DelegatedRun(string name = "Alice Martin")
    {
        JsonObject Acted(JsonObject step)
        {
            step["actedFor"] = new JsonObject { ["subjectId"] = "t/alice", ["subjectName"] = name, ["actorClientId"] = App };
            return step;
        }

        return EvidenceChain.Append(RunId, ChainTip.Start, [
            new EvidenceEntry("run-start", T0, new JsonObject
            {
                ["workflow"] = "crm-call-note", ["initiator"] = Principal("t/alice", name, "alice@contoso.example"), ["input"] = new JsonObject { ["accountId"] = "ACC-000002" },
            }),
            new EvidenceEntry("step", T0.AddSeconds(1), Step("read-account", "ReadStepActivity", "crm-reader", "client-reader", ["crm.accounts.read"], ["ACC-000002"], "crm")),
            new EvidenceEntry("step", T0.AddSeconds(2), Acted(Step("read-my-call", "ReadStepActivity", "crm-rep-reader", App, ["crm.calls.read"], ["CALL-00000004"], "crm"))),
            new EvidenceEntry("step", T0.AddSeconds(3), Acted(Step("write-note", "WriteStepActivity", "crm-rep-writer", App, ["crm.notes.create"], ["ACC-000002"], "crm",
                fields: ["subject", "body"]))),
            new EvidenceEntry("run-end", T0.AddSeconds(4), new JsonObject { ["outcome"] = "completed" }),
        ]);
    }
}

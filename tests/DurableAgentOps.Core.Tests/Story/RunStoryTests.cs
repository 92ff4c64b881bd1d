using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;
using static DurableAgentOps.Core.Tests.Story.StoryFixture;

namespace DurableAgentOps.Core.Tests.Story;

public sealed class RunStoryTests
{
    [Fact]
    public void From_GovernedRun_HasALanePerIdentityInTheOrderTheyFirstActed()
    {
        var story = RunStory.From(Run());

        Assert.Equal(["crm-reader", "drafter", "router", "crm-writer"], story.Lanes.Select(l => l.Identity));
        Assert.Equal(["read-account", "read-last-call"], story.Lanes[0].Steps.Select(s => s.StepId));
        Assert.Equal(["client-reader"], story.Lanes[0].ClientIds);
        Assert.Equal(["read", "read", "draft", "route", "write"], story.Steps.Select(s => s.Kind));
        var write = Assert.Single(story.Writes);
        Assert.Equal("crm", write.System);
        Assert.Equal(["crm.tasks.create", "crm.notes.create"], write.Operations);
        Assert.Equal("crm: crm.tasks.create, crm.notes.create; records region=emea; fields subject, body", write.Granted!.Describe());
        Assert.Equal(42, write.DurationMs);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 0, 1, TimeSpan.Zero), write.Started);
        Assert.Null(story.Steps.Single(s => s.StepId == "route-by-tier").Granted);
    }

    [Fact]
    public void From_GovernedRun_TellsTheRunAndTheGate()
    {
        var story = RunStory.From(Run());

        Assert.Equal("crm-followup", story.Run.Workflow);
        Assert.Equal("Alice Martin <alice@contoso.example>", story.Run.Initiator!.Display);
        Assert.Equal("completed", story.Run.Outcome);
        Assert.Equal(T0, story.Run.Started);
        Assert.Equal(T0.AddSeconds(10), story.Run.Ended);
        var decision = Assert.Single(story.Decisions);
        Assert.Equal(("Bob Manager", "email", true, "looks right", "L-123"), (decision.Approver!.Name, decision.Channel, decision.IsCounted, decision.Comment, decision.LinkId));
        var ignored = Assert.Single(story.IgnoredEvents);
        Assert.Null(ignored.Approver);
        Assert.StartsWith("ignored: ", ignored.Counted, StringComparison.Ordinal);
        var notice = Assert.Single(story.Notices);
        Assert.Equal((2L, "email: 2"), (notice.Recipients!.Value, notice.Sent.Single()));
        var change = Assert.Single(Assert.Single(story.Requests).Change);
        Assert.Equal(("crm", "subject", null, "Follow up with Northwind"), (change.System, change.Field, change.Before, change.After));
        Assert.Equal(11, story.Events.Count);
        Assert.Empty(story.Problems);
    }

    [Fact]
    public void From_UnknownKindAndFieldsMissingOrOfTheWrongType_ShowsThemAndDoesNotThrow()
    {
        var records = EvidenceChain.Append("odd-run", ChainTip.Start, [
            new EvidenceEntry("step", T0, new JsonObject { ["identity"] = 5, ["operations"] = "crm.x", ["durationMs"] = "long", ["declaredScope"] = new JsonArray() }),
            new EvidenceEntry("mystery", T0.AddSeconds(1), new JsonObject { ["x"] = 1 }),
            new EvidenceEntry("decision", T0.AddSeconds(2), new JsonObject { ["approver"] = "not an object", ["approved"] = "yes" }),
        ]);

        var story = RunStory.From(records);

        var step = Assert.Single(story.Steps);
        Assert.Equal("5", step.Identity);
        Assert.Equal((RunStory.Missing, RunStory.Missing, RunStory.Missing), (step.StepId, step.Kind, step.Outcome));
        Assert.Empty(step.Operations);
        Assert.Null(step.DurationMs);
        Assert.Null(step.Declared);
        Assert.Contains(story.Problems, p => p.Contains("kind 'mystery'", StringComparison.Ordinal));
        Assert.Contains(story.Events, e => e.Summary == "record of unknown kind 'mystery'");
        var decision = Assert.Single(story.Decisions);
        Assert.Null(decision.Approver);
        Assert.Null(decision.Approved);
        Assert.Null(story.Run.Started);
        Assert.Contains("not ended", TimelineText.Render(story, null), StringComparison.Ordinal);
        Assert.Contains("(not recorded)", IncidentReport.ToMarkdown(story, null), StringComparison.Ordinal);
    }

    [Fact]
    public void From_StoredRowThatIsNotARecordAndAGap_AreProblemsNotExceptions()
    {
        var stored = Run().Select(StoredRecord.Of).ToList();
        stored.RemoveAt(3);
        stored.Insert(0, StoredRecord.Parse("{not json", "00"));

        var story = RunStory.From(RunId, stored);

        Assert.Contains(story.Problems, p => p.StartsWith("row 0 is not an evidence record", StringComparison.Ordinal));
        Assert.Contains("records 3–3 are missing", story.Problems);
        Assert.Equal(["crm-reader", "router", "crm-writer"], story.Lanes.Select(l => l.Identity)); // the drafter's only step was the lost record
    }

    [Fact]
    public void From_NoRecords_IsAnEmptyStory()
    {
        var story = RunStory.From([]);

        Assert.Empty(story.Lanes);
        Assert.Empty(story.Events);
        Assert.Contains("No decision was recorded.", IncidentReport.ToMarkdown(story, null), StringComparison.Ordinal);
    }

    [Fact]
    public void From_RefusedEscalatedTimedOutRun_TheReportSaysWhatFailed()
    {
        var records = EvidenceChain.Append("failed-run", ChainTip.Start, [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-followup", ["initiator"] = Principal("t/alice", "Alice Martin", null) }),
            new EvidenceEntry("step", T0.AddSeconds(1), Step("read-account", "ReadStepActivity", "crm-reader", "c1", ["crm.accounts.read"], ["ACC-000009"], "crm", outcome: "failed")),
            new EvidenceEntry("refusal", T0.AddSeconds(2), new JsonObject { ["stepId"] = "write-followup", ["identity"] = "crm-writer", ["reason"] = "field 'secret' is outside the scope" }),
            new EvidenceEntry("escalation", T0.AddSeconds(3), new JsonObject { ["stepId"] = "write-followup", ["from"] = "manager-review", ["to"] = "director-review", ["why"] = "escalation.after P1D passed" }),
            new EvidenceEntry("gate-timeout", T0.AddSeconds(4), new JsonObject { ["stepId"] = "write-followup", ["gate"] = "director-review", ["action"] = "reject" }),
            new EvidenceEntry("run-end", T0.AddSeconds(5), new JsonObject
            {
                ["outcome"] = "failed", ["failure"] = new JsonObject { ["step"] = "write-followup", ["identity"] = "crm-writer", ["reason"] = "refused" },
            }),
        ]);

        var story = RunStory.From(records);
        var md = IncidentReport.ToMarkdown(story, null);
        var text = TimelineText.Render(story, null);

        var refusal = Assert.Single(story.Refusals);
        Assert.Equal(("write-followup", "crm-writer"), (refusal.StepId, refusal.Identity));
        Assert.Equal(["escalation", "gate-timeout"], story.GateEvents.Select(e => e.Kind));
        Assert.Equal("crm-writer", story.Events.Single(e => e.Kind == "refusal").Lane);
        Assert.Contains("- refused: step write-followup as crm-writer: field 'secret' is outside the scope", md, StringComparison.Ordinal);
        Assert.Contains("- step read-account as crm-reader: failed", md, StringComparison.Ordinal);
        Assert.Contains("- gate director-review timed out (onTimeout: reject)", md, StringComparison.Ordinal);
        Assert.Contains("- the run stopped at step write-followup as crm-writer: refused", md, StringComparison.Ordinal);
        Assert.Contains("No write step is recorded: nothing was changed in any system.", md, StringComparison.Ordinal);
        // The account tells the same in sentences.
        Assert.Contains("- Step write-followup as crm-writer was refused: field 'secret' is outside the scope.", md, StringComparison.Ordinal);
        Assert.Contains("- Gate manager-review escalated to director-review on 2026-11-30 at 09:00:03 UTC: escalation.after P1D passed.", md, StringComparison.Ordinal);
        Assert.Contains("- The run stopped on 2026-11-30 at 09:00:05 UTC at step write-followup as crm-writer: refused.", md, StringComparison.Ordinal);
        Assert.Contains("escalated from gate manager-review to director-review: escalation.after P1D passed", text, StringComparison.Ordinal);
        Assert.Contains("run ended: failed — step write-followup as crm-writer: refused", text, StringComparison.Ordinal);
    }

    [Fact]
    public void From_RefusedDecision_IsOnTheGateLaneByWhoTriedAndInTheReport()
    {
        var records = EvidenceChain.Append("refused-run", ChainTip.Start, [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-followup", ["initiator"] = Principal("t/alice", "Alice Martin", null) }),
            new EvidenceEntry("refusal", T0.AddSeconds(1), new JsonObject
            {
                ["guard"] = "approval", ["status"] = 403, ["stepId"] = "write-followup", ["gate"] = "manager-review",
                ["principal"] = Principal("t/mallory", "Mallory Outsider", "mallory@contoso.example"), ["channel"] = "cli",
                ["reason"] = "Mallory Outsider is not an approver of gate manager-review",
            }),
        ]);

        var story = RunStory.From(records);
        var md = IncidentReport.ToMarkdown(story, null);

        var refusal = Assert.Single(story.Refusals);
        Assert.Null(refusal.Identity);
        Assert.Equal("Mallory Outsider <mallory@contoso.example>", refusal.Who);
        var line = story.Events.Single(e => e.Kind == "refusal");
        Assert.Equal("gate", line.Lane);
        Assert.Contains("decision refused at gate manager-review: Mallory Outsider <mallory@contoso.example> via cli", line.Summary, StringComparison.Ordinal);
        Assert.Contains("refused decision by Mallory Outsider", md, StringComparison.Ordinal);
        Assert.Contains(@"- Mallory Outsider \<mallory\@contoso.example\> tried to decide via cli and was refused: Mallory Outsider is not an approver of gate manager-review.", md, StringComparison.Ordinal);
    }
}

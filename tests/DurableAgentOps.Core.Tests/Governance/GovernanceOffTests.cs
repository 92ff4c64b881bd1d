using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;
using DurableAgentOps.Core.Explain;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Loading;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests.Governance;

/// <summary>
/// A run whose run-start record says governance was off reads so everywhere Core renders it (verification notes, the
/// story, the terminal timeline, the incident report), and explain marks what a host with switches off leaves out.
/// </summary>
public sealed class GovernanceOffTests
{
    private static readonly DateTimeOffset TreeAt = T0.AddHours(1);

    /// <summary>An evidence-off run as the recorder writes it: its run-start record alone, under a final head.</summary>
    private static RunEvidence StartOnly(params string[] off)
    {
        var data = new JsonObject { ["workflow"] = "crm-followup", ["initiator"] = new JsonObject { ["id"] = "t/alice", ["name"] = "Alice Martin" } };
        if (off.Length > 0)
        {
            data["governanceOff"] = new JsonArray([.. off.Select(o => JsonValue.Create(o))]);
        }

        var records = EvidenceChain.Append(RunId, ChainTip.Start, [new EvidenceEntry("run-start", T0, data)]);
        var head = HeadOf(records, final: true);
        return new RunEvidence(Stored(records), head, Sign(head));
    }

    private static RunVerification Verify(RunEvidence run)
    {
        List<LogLeaf> leaves = [LogLeaf.ForHead(0, run.Head!)];
        var tree = TreeHead.For(leaves, TreeAt);
        return LoggedRunCheck.Verify(RunId, run, leaves, tree, Sign(tree), Key);
    }

    [Fact]
    public void Verify_EvidenceOffRunStartOnly_IsIntactWithANoteNotABreak()
    {
        var verification = Verify(StartOnly(GovernanceSwitches.Evidence));

        Assert.True(verification.IsIntact, string.Join("; ", verification.Breaks));
        Assert.Equal(["governance off when the run started: evidence was off (AgentOps:Evidence:Enabled=false): the ledger holds the run's start only, nothing after it"],
            verification.Notes);
    }

    [Fact]
    public void Verify_GovernedRun_HasNoGovernanceNote()
    {
        var verification = Verify(StartOnly());

        Assert.True(verification.IsIntact);
        Assert.Empty(verification.Notes);
        Assert.Empty(RunGovernance.Off(StartOnly().Records));
    }

    [Fact]
    public void VerifyAll_RunStartedWithTheGuardOff_IsNamedInANote()
    {
        var run = StartOnly(GovernanceSwitches.ScopeGuard);
        List<LogLeaf> leaves = [LogLeaf.ForHead(0, run.Head!)];
        var tree = TreeHead.For(leaves, TreeAt);

        var (_, breaks, notes) = LoggedRunCheck.VerifyAll(leaves, tree, Sign(tree), Key, _ => run, [RunId]);

        Assert.Empty(breaks);
        Assert.Equal([$"run {RunId} was started with governance off: scope-guard"], notes);
    }

    [Fact]
    public void Story_EvidenceOffRun_SaysItsEndIsNotRecordedRatherThanStillRunning()
    {
        var story = RunStory.From(RunId, StartOnly(GovernanceSwitches.Evidence).Records);

        Assert.Equal(["evidence"], story.Run.GovernanceOff);
        Assert.Equal("not recorded (evidence was off)", story.Run.EndText);
        var timeline = TimelineText.Render(story, Verify(StartOnly(GovernanceSwitches.Evidence)));
        Assert.Contains("by Alice Martin; not recorded (evidence was off)\n", timeline, StringComparison.Ordinal);
        Assert.Contains("\ngovernance OFF for this run: evidence was off (AgentOps:Evidence:Enabled=false)", timeline, StringComparison.Ordinal);
        Assert.Contains("run started by Alice Martin: crm-followup (definition (not recorded)); governance OFF: evidence\n", timeline, StringComparison.Ordinal);
        Assert.Contains("Note: governance off when the run started", IncidentReport.ToMarkdown(story, Verify(StartOnly(GovernanceSwitches.Evidence)))
            .Replace("\\", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_GuardOffRun_SaysSoUnderTheVerdictAndInTheRunsFacts()
    {
        var story = RunStory.From(RunId, StartOnly(GovernanceSwitches.ScopeGuard).Records);

        var html = IncidentReport.ToHtml(story, null);

        Assert.Contains("<p id=\"governance-off\">governance OFF for this run: the scope guard was off (AgentOps:ScopeGuardEnabled=false)", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Governance off</dt><dd>scope-guard</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Ended</dt><dd>not ended (or its end is not recorded)</dd>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("governance-off", IncidentReport.ToHtml(RunStory.From(RunId, StartOnly().Records), null), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, true, 3, true)]
    [InlineData(true, false, 0, false)]
    [InlineData(true, true, 0, true)]
    public void Explain_WithHost_MarksTheReadAndWriteScopesAndTheEvidenceThatHostLeavesOut(bool guard, bool evidence, int scopesMarked, bool evidenceEnforced)
    {
        var loaded = WorkflowLoader.Load(Path.Combine(TestFiles.Workflows, "crm-followup.yaml"));

        var explanation = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue, host: new HostGovernance("Development", true, "local", guard, evidence));

        Assert.Equal(scopesMarked, explanation.Steps.Count(s => !s.ScopeEnforcement.Enforced));
        Assert.Equal(scopesMarked == 0, explanation.Isolation.Enforcement.Enforced);
        Assert.Equal(evidenceEnforced, explanation.Evidence.Enforcement.Enforced);
        Assert.NotNull(explanation.Host);
        Assert.All(WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue).Steps, s => Assert.True(s.ScopeEnforcement.Enforced));
    }
}

using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests.Governance;

/// <summary>
/// A run an administrator stepped into reads so wherever Core renders it: verification notes name who did what and who
/// ended it, the story shows the <c>admin</c> records as events (not as an unknown kind), and the records table of
/// docs/EVIDENCE.md lists every kind the story reads.
/// </summary>
public sealed class AdministratorActionsTests
{
    private static readonly DateTimeOffset TreeAt = T0.AddHours(1);

    private static JsonObject Olga() => new() { ["id"] = "t/0e000001-olga", ["name"] = "Olga Ops", ["upn"] = "olga.ops@contoso.example" };

    private static JsonObject Admin(string action, string? reason) => new()
    {
        ["action"] = action, ["actionId"] = $"0001-{action}", ["principal"] = Olga(), ["tenantId"] = "t", ["objectId"] = "0e000001-olga",
        ["reason"] = reason, ["requestedAt"] = "2026-03-01T09:00:05.0000000Z", ["via"] = "instance-api",
    };

    /// <summary>A run at its gate, suspended and resumed, then terminated: the host's records after the run's own.</summary>
    private static RunEvidence Terminated(JsonObject? terminatedBy)
    {
        var records = EvidenceChain.Append(RunId, ChainTip.Start,
        [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-followup", ["initiator"] = new JsonObject { ["id"] = "t/alice", ["name"] = "Alice Martin" } }),
            new EvidenceEntry("admin", T0.AddSeconds(5), Admin("suspend", "checking")),
            new EvidenceEntry("admin", T0.AddSeconds(6), Admin("terminate", "wrong account")),
            new EvidenceEntry("run-end", T0.AddSeconds(7), new JsonObject
            {
                ["outcome"] = "terminated", ["failure"] = null, ["terminatedBy"] = terminatedBy, ["reason"] = "wrong account",
            }),
        ]);
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
    public void Verify_RunTerminatedByAnAdministrator_IsIntactWithNotesNamingWhoAndWhy()
    {
        var verification = Verify(Terminated(Olga()));

        Assert.True(verification.IsIntact, string.Join("; ", verification.Breaks.Select(b => b.Message)));
        Assert.Contains(verification.Notes, n => n.StartsWith("administrator action at seq 1: Olga Ops <olga.ops@contoso.example> (t/0e000001-olga) suspended the run", StringComparison.Ordinal)
            && n.EndsWith("; reason: checking", StringComparison.Ordinal));
        Assert.Contains(verification.Notes, n => n.Contains("terminated the run", StringComparison.Ordinal) && n.Contains("via instance-api", StringComparison.Ordinal));
        Assert.Contains("run ended by an administrator: terminated by Olga Ops <olga.ops@contoso.example> (t/0e000001-olga); reason: wrong account", verification.Notes);
    }

    [Fact]
    public void Notes_RunTerminatedWithNoAdministratorRecorded_SaySo()
    {
        var notes = AdministratorActions.Notes(Terminated(null).Records);

        Assert.Contains("run ended by an administrator: terminated, no administrator recorded; reason: wrong account", notes);
    }

    [Fact]
    public void Notes_RunThatEndedOnItsOwn_HaveNone()
    {
        var records = EvidenceChain.Append(RunId, ChainTip.Start,
            [new EvidenceEntry("run-start", T0, []), new EvidenceEntry("run-end", T0.AddSeconds(1), new JsonObject { ["outcome"] = "completed" })]);

        Assert.Empty(AdministratorActions.Notes(Stored(records)));
    }

    [Fact]
    public void Story_AdminRecordsAndTheHostsRunEnd_AreEventsAndTheRunEndsTerminated()
    {
        var story = RunStory.From(RunId, Terminated(Olga()).Records);

        Assert.Empty(story.Problems);
        Assert.Equal("terminated", story.Run.Outcome);
        Assert.Contains(story.Events, e => e.Kind == "admin" && e.Summary.Contains("Olga Ops <olga.ops@contoso.example> (t/0e000001-olga) suspended the run", StringComparison.Ordinal));
        Assert.Contains(story.Events, e => e.Kind == "run-end" && e.Summary == "run ended: terminated — terminated by Olga Ops <olga.ops@contoso.example> (t/0e000001-olga); reason: wrong account");
    }

    /// <summary>The kinds the story reads, as the records table of docs/EVIDENCE.md must list them.</summary>
    [Theory]
    [InlineData("run-start")]
    [InlineData("step")]
    [InlineData("refusal")]
    [InlineData("approval-request")]
    [InlineData("notice")]
    [InlineData("decision")]
    [InlineData("ignored-event")]
    [InlineData("escalation")]
    [InlineData("gate-timeout")]
    [InlineData("write-attempt")]
    [InlineData("write-incomplete")]
    [InlineData("resume")]
    [InlineData("resume-timeout")]
    [InlineData("run-end")]
    [InlineData("admin")]
    public void RecordKind_TheStoryReads_IsListedInEvidenceMdAndIsNoUnknownKind(string kind)
    {
        var docs = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "EVIDENCE.md"));
        var kindsRow = docs.Split('\n').Single(line => line.StartsWith("| `kind` |", StringComparison.Ordinal));
        var records = EvidenceChain.Append(RunId, ChainTip.Start, [new EvidenceEntry(kind, T0, [])]);

        Assert.Contains($"`{kind}`", kindsRow, StringComparison.Ordinal);
        Assert.DoesNotContain(RunStory.From(RunId, Stored(records)).Problems, p => p.Contains("which this reader does not know", StringComparison.Ordinal));
    }
}

using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using static DurableAgentOps.Core.Evidence.EvidenceProblemKind;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests;

public sealed class LogVerificationTests
{
    private static readonly DateTimeOffset TreeAt = T0.AddHours(1);

    /// <summary>A log of three finished runs, and storage holding their evidence.</summary>
    private sealed class Log
    {
        public Dictionary<string, RunEvidence> Storage { get; } = new(StringComparer.Ordinal)
        {
            ["run-a"] = Run(4, "run-a"),
            ["run-b"] = Run(2, "run-b"),
            ["run-c"] = Run(6, "run-c"),
        };

        public List<LogLeaf> Leaves { get; } = [];

        public Log()
        {
            foreach (var run in Storage.Values)
            {
                Leaves.Add(LogLeaf.ForHead(Leaves.Count, run.Head!));
            }
        }

        public LogReport Verify(TreeHead? head = null, string? signature = null)
        {
            head ??= TreeHead.For(Leaves, TreeAt);
            return EvidenceVerifier.VerifyLog(Leaves, head, signature ?? Sign(head), Key, id => Storage.GetValueOrDefault(id));
        }
    }

    [Fact]
    public void VerifyLog_UntouchedLog_IsIntactAndVerifiesEveryRun()
    {
        var report = new Log().Verify();

        Assert.True(report.IsIntact, report.ToString());
        Assert.Equal(3, report.RunsVerified);
    }

    [Fact]
    public void VerifyLog_RunPartitionDeleted_IsMissingRun()
    {
        var log = new Log();
        log.Storage.Remove("run-b");

        var problem = Assert.Single(log.Verify().Problems);
        Assert.Equal((RunMissing, "run-b", "missing run run-b: leaf 1 names it but no evidence is stored"), (problem.Kind, problem.RunId, problem.Message));
    }

    [Fact]
    public void VerifyLog_RunAppendedAgainAsItProgressed_ChecksItsLatestLeafOnly()
    {
        var log = new Log();
        var records = Records(4, "run-a");
        var more = EvidenceChain.Append("run-a", ChainTip.Of(records[^1]), [new EvidenceEntry("notice", T0.AddMinutes(5), new JsonObject { ["to"] = "bob" })]);
        var head = HeadOf([.. records, .. more]);
        log.Storage["run-a"] = new RunEvidence(Stored([.. records, .. more]), head, Sign(head));
        log.Leaves.Add(LogLeaf.ForHead(log.Leaves.Count, head));

        var report = log.Verify();

        Assert.True(report.IsIntact, report.ToString());
        Assert.Equal(3, report.RunsVerified);
    }

    [Fact]
    public void VerifyLog_RunHeadOlderThanItsLatestLeaf_LeafDoesNotMatch()
    {
        var log = new Log();
        var records = Records(4, "run-a");
        var older = HeadOf([.. records.Take(3)], final: false);
        log.Storage["run-a"] = new RunEvidence(Stored(records.Take(3)), older, Sign(older));

        var report = log.Verify();

        Assert.Equal(LeafMismatch, report.First!.Kind);
        Assert.StartsWith("run run-a: its head does not match leaf 0: the log names ", report.First.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyLog_RunHeadNewerThanTheTreeHead_IsNotLoggedYet()
    {
        var log = new Log();
        var records = Records(5, "run-a");
        var newer = RunHead.For(records[^1], true, TreeAt.AddMinutes(1));
        log.Storage["run-a"] = new RunEvidence(Stored(records), newer, Sign(newer));

        var problem = Assert.Single(log.Verify().Problems);
        Assert.Equal(NotLogged, problem.Kind);
        Assert.Equal("run run-a: its head (seq 4, 2026-03-01T10:01:00.000Z) is newer than the signed tree head (2026-03-01T10:00:00.000Z): not logged yet", problem.Message);
    }

    [Fact]
    public void VerifyLog_RunPurgedAfterItsRetention_IsReportedPurgedNotMissing()
    {
        var log = new Log();
        log.Leaves.Add(LogLeaf.Tombstone(log.Leaves.Count, "run-b", log.Storage["run-b"].Head!.Hash, "P400D"));
        log.Storage.Remove("run-b");

        var report = log.Verify();

        Assert.True(report.IsIntact, report.ToString());
        Assert.Equal(new PurgedRun("run-b", log.Leaves[1].HeadHash, "P400D", 3), Assert.Single(report.Purged));
        Assert.Equal(2, report.RunsVerified);
    }

    [Fact]
    public void VerifyLog_RunLoggedAgainAfterItsPurge_IsFound()
    {
        var log = new Log();
        var head = log.Storage["run-b"].Head!;
        log.Leaves.Add(LogLeaf.Tombstone(log.Leaves.Count, "run-b", head.Hash, "P400D"));
        log.Leaves.Add(LogLeaf.ForHead(log.Leaves.Count, head));

        Assert.Equal("run run-b: logged at leaf 4 after its purge at leaf 3", Assert.Single(log.Verify().Problems).Message);
    }

    [Fact]
    public void VerifyLog_LeafRemovedFromTheLog_TreeHeadDoesNotMatch()
    {
        var log = new Log();
        var head = TreeHead.For(log.Leaves, TreeAt);
        log.Leaves.RemoveAt(2);

        var problem = Assert.Single(log.Verify(head, Sign(head)).Problems);
        Assert.Equal((TreeHeadMismatch, "tree head does not match: it covers 3 leaves, the log holds 2"), (problem.Kind, problem.Message));
    }

    [Fact]
    public void VerifyLog_LeafReplaced_TreeHeadDoesNotMatchAndTheRunsHeadDoesNotMatchItsLeaf()
    {
        var log = new Log();
        var head = TreeHead.For(log.Leaves, TreeAt);
        log.Leaves[1] = log.Leaves[1] with { HeadHash = new string('d', 64) };

        var report = log.Verify(head, Sign(head));

        Assert.Equal([TreeHeadMismatch, LeafMismatch], report.Problems.Select(p => p.Kind));
        Assert.StartsWith("tree head does not match: the leaves hash to ", report.First!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyLog_TreeHeadSignatureOfAnotherHead_DoesNotVerify()
    {
        var log = new Log();
        var head = TreeHead.For(log.Leaves, TreeAt);

        var problem = Assert.Single(log.Verify(head, Sign(head with { At = TreeAt.AddSeconds(1) })).Problems);
        Assert.Equal((TreeHeadSignature, "tree head signature does not verify"), (problem.Kind, problem.Message));
    }

    [Fact]
    public void VerifyLog_RecordChangedInALoggedRun_NamesTheRunAndSeq()
    {
        var log = new Log();
        var run = log.Storage["run-c"];
        var rows = run.Records.ToList();
        rows[2] = Edited(rows[2], "\"n\":2", "\"n\":3");
        log.Storage["run-c"] = run with { Records = rows };

        var problem = Assert.Single(log.Verify().Problems);
        Assert.Equal((Changed, "run-c", 2L), (problem.Kind, problem.RunId, problem.Seq));
        Assert.Equal("run run-c: changed at seq 2: its content does not match its stored hash", problem.Message);
    }

    [Fact]
    public void VerifyLog_LeafOutOfPlace_IsLogMalformed()
    {
        var log = new Log();
        log.Leaves[1] = log.Leaves[1] with { Index = 7 };

        Assert.Equal("log leaf at position 1 has index 7", log.Verify().First!.Message);
    }

    [Fact]
    public void LogLeafToCanonicalJson_HeadAndTombstone_AreTheDocumentedLeaves()
    {
        var hash = new string('a', 64);

        Assert.Equal("{\"head\":\"" + hash + "\",\"run\":\"run-a\"}", new LogLeaf(0, "run-a", hash).ToCanonicalJson());
        Assert.Equal("{\"purged\":\"" + hash + "\",\"retention\":\"P400D\",\"run\":\"run-a\"}", LogLeaf.Tombstone(0, "run-a", hash, "P400D").ToCanonicalJson());
    }

    [Theory]
    [InlineData("{\"head\":\"#A\",\"run\":\"run-a\"}", true)]
    [InlineData("{\"purged\":\"#A\",\"retention\":\"P400D\",\"run\":\"run-a\"}", true)]
    [InlineData("{\"purged\":\"#A\",\"retention\":\"forever\",\"run\":\"run-a\"}", false)]
    [InlineData("{\"purged\":\"#A\",\"run\":\"run-a\"}", false)]
    [InlineData("{\"head\":\"#A\",\"run\":\"run-a\",\"x\":1}", false)]
    [InlineData("{\"head\":\"#A\"}", false)]
    [InlineData("[]", false)]
    [InlineData("", false)]
    public void LogLeafTryParse_StoredLeafText_ReadsOnlyLeaves(string json, bool ok)
    {
        var parsed = LogLeaf.TryParse(3, json.Replace("#A", new string('a', 64), StringComparison.Ordinal), out var leaf, out var error);

        Assert.Equal(ok, parsed);
        Assert.Equal(ok, leaf is not null);
        Assert.Equal(ok, error is null);
        if (leaf is not null)
        {
            Assert.Equal(3, leaf.Index);
        }
    }

    [Fact]
    public void InclusionProofProves_EveryLeafOfTheLog_AgainstItsTreeHead()
    {
        var log = new Log();
        var head = TreeHead.For(log.Leaves, TreeAt);

        for (var i = 0; i < log.Leaves.Count; i++)
        {
            var proof = InclusionProof.For(log.Leaves, i);
            Assert.True(proof.Proves(log.Leaves[i], head));
            Assert.False(proof.Proves(log.Leaves[(i + 1) % log.Leaves.Count], head));
            Assert.False(proof.Proves(log.Leaves[i], head with { Size = head.Size + 1 }));
        }
    }

    [Fact]
    public void ConsistencyProofProves_LogGrown_OldTreeIsAPrefixOfTheNew()
    {
        var log = new Log();
        var old = TreeHead.For(log.Leaves, TreeAt);
        log.Leaves.Add(LogLeaf.Tombstone(3, "run-b", log.Leaves[1].HeadHash, "P30D"));
        var grown = TreeHead.For(log.Leaves, TreeAt.AddHours(1));

        var proof = ConsistencyProof.For(log.Leaves, 3);

        Assert.True(proof.Proves(old, grown));
        Assert.False(proof.Proves(old with { Root = grown.Root }, grown));
        Assert.False(proof.Proves(grown, old));
    }
}

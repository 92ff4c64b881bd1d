using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using static DurableAgentOps.Core.Evidence.EvidenceProblemKind;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests;

/// <summary>A signed tree head kept from an earlier day, against today's log: grown, rolled back, rewritten.</summary>
public sealed class ConsistencyCheckTests
{
    private const string Kept = "the kept head";

    /// <summary>Leaves for runs run-0 … run-(n-1), each logged at its start and its end.</summary>
    private static List<LogLeaf> Leaves(int runs)
    {
        var leaves = new List<LogLeaf>();
        for (var r = 0; r < runs; r++)
        {
            foreach (var final in new[] { false, true })
            {
                var records = Records(final ? 3 : 1, $"run-{r}");
                leaves.Add(LogLeaf.ForHead(leaves.Count, HeadOf(records, final)));
            }
        }

        return leaves;
    }

    private static SignedTreeHead KeptHead(IReadOnlyList<LogLeaf> leaves)
    {
        var head = TreeHead.For(leaves, T0);
        return new SignedTreeHead(head, Sign(head), Key.KeyId);
    }

    private static IReadOnlyList<EvidenceProblem> Check(SignedTreeHead kept, IReadOnlyList<LogLeaf> today, IReadOnlyList<LogLeaf>? anchored = null)
    {
        var current = TreeHead.For(today, T0.AddDays(1));
        var proof = kept.Head.Size >= 1 && kept.Head.Size <= today.Count ? ConsistencyProof.For(today, (int)kept.Head.Size) : null;
        return ConsistencyCheck.Check(Kept, kept, current, proof, today, anchored ?? [], Key);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 5)]
    [InlineData(3, 4)]
    [InlineData(4, 7)]
    public void Check_LogOnlyGrewSinceTheKeptHead_FindsNothing(int keptRuns, int todayRuns)
    {
        var today = Leaves(todayRuns);
        var kept = KeptHead(today.Take(keptRuns * 2).ToList());

        Assert.Empty(Check(kept, today));
    }

    [Fact]
    public void Check_LogRestoredFromAnEarlierCopy_SaysRolledBackWithBothSizes()
    {
        var all = Leaves(3);
        var kept = KeptHead(all);

        var problems = Check(kept, all.Take(4).ToList());

        var first = Assert.Single(problems);
        Assert.Equal(RolledBack, first.Kind);
        Assert.Equal("rolled back: the log has 4 leaves, the kept head had 6", first.Message);
    }

    [Fact]
    public void Check_RolledBackAndTheAnchorsHoldTheLostLeaves_NamesTheDeletedRunAndCountsRuns()
    {
        var all = Leaves(3);
        var kept = KeptHead(all);

        var problems = Check(kept, all.Take(4).ToList(), anchored: all.Skip(4).ToList());

        Assert.Equal(RolledBack, problems[0].Kind);
        Assert.Equal("rolled back: the log has 2 runs (4 leaves), the kept head had 3 runs (6 leaves)", problems[0].Message);
        var deleted = Assert.Single(problems, p => p.Kind == RunMissing);
        Assert.Equal("run-2", deleted.RunId);
        Assert.Equal("deleted run run-2: the kept head logs it at leaf 5, the log names it nowhere", deleted.Message);
    }

    [Fact]
    public void Check_AnchoredLeavesThatDoNotGiveTheKeptRoot_NameTheRunButSaySoUnproven()
    {
        var all = Leaves(3);
        var kept = KeptHead(all);
        var forged = new List<LogLeaf> { all[4], LogLeaf.ForHead(5, HeadOf(Records(2, "run-9"))) };

        var problems = Check(kept, all.Take(4).ToList(), anchored: forged);

        Assert.Equal("rolled back: the log has 4 leaves, the kept head had 6", problems[0].Message);
        Assert.Contains(problems, p => p.Kind == RunMissing && p.RunId == "run-9" && p.Message.Contains("do not give its root", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_AnOldLeafRewrittenAndTheLogGrownPastTheKeptHead_SaysNotAnExtensionAndNamesTheRun()
    {
        var all = Leaves(4);
        var kept = KeptHead(all.Take(6).ToList());
        var today = all.ToList();
        today[2] = LogLeaf.ForHead(2, HeadOf(Records(5, "run-1"), final: false)); // run-1's start leaf replaced by another head of it

        var problems = Check(kept, today, anchored: all.Take(6).ToList());

        Assert.Equal(NotExtension, problems[0].Kind);
        Assert.StartsWith("the log is not an extension of the kept head", problems[0].Message, StringComparison.Ordinal);
        Assert.Contains(problems, p => p.RunId == "run-1" && p.Message.Contains("leaf 2 of the kept head's log", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ARunsLeavesRemovedAndTheLogRegrown_NamesTheDeletedRun()
    {
        var all = Leaves(3);
        var kept = KeptHead(all);
        // run-1's leaves gone; later runs fill the log up past the kept size.
        var today = all.Where(l => l.RunId != "run-1").Concat(Leaves(5).Skip(6)).Select((l, i) => l with { Index = i }).ToList();

        var problems = Check(kept, today, anchored: all);

        Assert.Equal(NotExtension, problems[0].Kind);
        Assert.Contains(problems, p => p.Kind == RunMissing && p.RunId == "run-1");
    }

    [Fact]
    public async Task Check_KeptHeadSignedByAnotherKey_RefusesToVouchForAnything()
    {
        var all = Leaves(2);
        using var other = new PemEvidenceSigner(PemEvidenceSigner.NewPrivateKeyPem());
        var head = TreeHead.For(all, T0);
        var kept = new SignedTreeHead(head, await other.SignAsync(head, CancellationToken.None), other.KeyId);

        var problem = Assert.Single(Check(kept, all.Take(2).ToList()));

        Assert.Equal(KeptHeadSignature, problem.Kind);
        Assert.Contains($"it names key {other.KeyId}", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_KeptHeadEditedToASmallerSize_FailsItsSignature()
    {
        var all = Leaves(3);
        var kept = KeptHead(all);
        var edited = kept with { Head = kept.Head with { Size = 4 } };

        Assert.Equal(KeptHeadSignature, Assert.Single(Check(edited, all.Take(4).ToList())).Kind);
    }

    [Fact]
    public void Check_ProofForAnotherOldSize_SaysNotAnExtension()
    {
        var all = Leaves(3);
        var kept = KeptHead(all.Take(3).ToList());
        var current = TreeHead.For(all, T0.AddDays(1));

        var problems = ConsistencyCheck.Check(Kept, kept, current, ConsistencyProof.For(all, 2), all, [], Key);

        Assert.Equal(NotExtension, Assert.Single(problems).Kind);
    }

    [Fact]
    public void SignedTreeHead_WrittenAndReadBack_IsTheSameAndAnExtraKeyIsRefused()
    {
        var kept = KeptHead(Leaves(2));

        Assert.True(SignedTreeHead.TryParse(kept.ToJson(), out var read, out var error), error);
        Assert.Equal(kept, read);
        var extra = JsonNode.Parse(kept.ToJson())!.AsObject();
        extra["note"] = "x";
        Assert.False(SignedTreeHead.TryParse(extra.ToJsonString(), out _, out error));
        Assert.Contains("unknown property 'note'", error, StringComparison.Ordinal);
    }
}

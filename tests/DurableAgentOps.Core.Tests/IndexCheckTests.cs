using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests;

/// <summary>A run's search index row against its signed copy.</summary>
public sealed class IndexCheckTests
{
    private static readonly RunHead Head = HeadOf(Records(3));

    private static JsonObject Summary() => new()
    {
        ["workflow"] = "crm-followup",
        ["status"] = "completed",
        ["approvers"] = new JsonArray(new JsonObject { ["id"] = "t/bob", ["name"] = "Bob Manager", ["upn"] = null }),
        ["endedAt"] = "2026-03-01T09:00:05.1234567+00:00",
    };

    private static (string Seal, string Signature) Sealed(JsonObject summary, string runId = RunId, RunHead? head = null)
    {
        var seal = new IndexSeal(runId, (head ?? Head).Hash, summary);
        return (seal.ToCanonicalJson(), Signer.SignAsync(seal, CancellationToken.None).GetAwaiter().GetResult());
    }

    [Fact]
    public void Check_RowAsSigned_FindsNothing()
    {
        var (seal, signature) = Sealed(Summary());

        Assert.Empty(IndexCheck.Check(RunId, Head, Summary(), seal, signature, Key));
    }

    [Fact]
    public void Check_StatusRewrittenInTheRow_NamesTheRunAndTheField()
    {
        var (seal, signature) = Sealed(Summary());
        var shown = Summary();
        shown["status"] = "failed";

        var problem = Assert.Single(IndexCheck.Check(RunId, Head, shown, seal, signature, Key));

        Assert.Equal(EvidenceProblemKind.IndexMismatch, problem.Kind);
        Assert.Equal($"run {RunId}: index row rewritten: 'status' is \"failed\", the signed index says \"completed\"", problem.Message);
    }

    [Fact]
    public void Check_ApproverRemovedFromTheRow_NamesTheField()
    {
        var (seal, signature) = Sealed(Summary());
        var shown = Summary();
        shown["approvers"] = new JsonArray();

        Assert.Contains("'approvers'", Assert.Single(IndexCheck.Check(RunId, Head, shown, seal, signature, Key)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NoRowListsTheRun_SaysHidden()
    {
        var (seal, signature) = Sealed(Summary());

        Assert.Contains("hidden from the search", Assert.Single(IndexCheck.Check(RunId, Head, null, seal, signature, Key)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_SignedCopyRewrittenToo_SaysItDoesNotVerify()
    {
        var shown = Summary();
        shown["status"] = "failed";
        var (_, signature) = Sealed(Summary());
        var forged = new IndexSeal(RunId, Head.Hash, shown).ToCanonicalJson();

        Assert.Contains("signed copy does not verify", Assert.Single(IndexCheck.Check(RunId, Head, shown, forged, signature, Key)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AnotherRunsSignedRowCopiedIn_IsRefused()
    {
        var (seal, signature) = Sealed(Summary(), runId: "other-run");

        Assert.Contains("signed index of run other-run", Assert.Single(IndexCheck.Check(RunId, Head, Summary(), seal, signature, Key)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AnOlderRowOfTheRunPutBack_IsRefusedForAFinalHead()
    {
        var older = HeadOf(Records(2), final: false);
        var (seal, signature) = Sealed(Summary(), head: older);

        Assert.Contains("an older row put back", Assert.Single(IndexCheck.Check(RunId, Head, Summary(), seal, signature, Key)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnsignedRow_IsABreak()
    {
        Assert.Contains("not signed", Assert.Single(IndexCheck.Check(RunId, Head, Summary(), null, null, Key)).Message, StringComparison.Ordinal);
    }
}

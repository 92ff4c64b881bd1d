using System.Text;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using static DurableAgentOps.Core.Evidence.EvidenceProblemKind;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests;

public sealed class EvidenceBundleTests
{
    private static readonly byte[] Draft = Encoding.UTF8.GetBytes("Dear Ada, following up on our call <b>today</b>…");
    private static readonly byte[] Redacted = Encoding.UTF8.GetBytes("IBAN DE89 3704 0044 0532 0130 00");

    /// <summary>A run of three records (one referencing a bundled payload, one a withheld one) logged after two other runs.</summary>
    private static EvidenceBundle Bundle(string runId = RunId)
    {
        var records = EvidenceChain.Append(runId, ChainTip.Start,
        [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-followup", ["input"] = new JsonObject { ["account"] = "ACC-000002" } }),
            new EvidenceEntry("step", T0.AddSeconds(2), new JsonObject { ["step"] = "draft", ["output"] = EvidencePayload.Reference(Draft) }),
            new EvidenceEntry("run-end", T0.AddSeconds(3), new JsonObject { ["iban"] = EvidencePayload.Reference(Redacted), ["outcome"] = "completed" }),
        ]);
        var head = HeadOf(records);
        var log = new List<LogLeaf> { LogLeaf.ForHead(0, Run(2, "run-x").Head!), LogLeaf.ForHead(1, Run(3, "run-y").Head!), LogLeaf.ForHead(2, head) };
        var treeHead = TreeHead.For(log, T0.AddHours(1));
        return EvidenceBundle.For(new RunEvidence(Stored(records), head, Sign(head)),
            new Dictionary<string, byte[]> { [EvidencePayload.DigestOf(Draft)] = Draft }, log, treeHead, Sign(treeHead), Key);
    }

    private static EvidenceBundle With(EvidenceBundle b, IReadOnlyList<StoredRecord>? records = null, IReadOnlyDictionary<string, byte[]>? payloads = null,
        string? headSignature = null, TreeHead? treeHead = null, string? treeHeadSignature = null, InclusionProof? inclusion = null, string? keyId = null) =>
        new(b.RunId, records ?? b.Records, payloads ?? b.Payloads, b.Head, headSignature ?? b.HeadSignature, treeHead ?? b.TreeHead,
            treeHeadSignature ?? b.TreeHeadSignature, inclusion ?? b.Inclusion, b.PublicKey, keyId ?? b.KeyId);

    [Fact]
    public void Verify_ExportedBundle_IsIntactAndSaysWhichPayloadIsWithheld()
    {
        var bundle = Bundle();
        var json = bundle.ToJson();

        var report = EvidenceBundle.Verify(json);

        Assert.True(report.IsIntact, report.ToString());
        Assert.Equal([EvidencePayload.DigestOf(Redacted)], bundle.WithheldPayloads());
        Assert.Contains("\"format\": \"durableagentops-evidence-bundle/1\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("IBAN", json, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WhatToJsonWrote_WritesTheSameTextAgain()
    {
        var json = Bundle().ToJson();

        Assert.True(EvidenceBundle.TryParse(json, out var read, out var error), error);
        Assert.Equal(json, read.ToJson());
    }

    [Fact]
    public void Verify_BundleWithTrustedKey_IsIntactAndWithAnotherKeyIsKeyMismatch()
    {
        var json = Bundle().ToJson();
        using var other = new PemEvidenceSigner(PemEvidenceSigner.NewPrivateKeyPem());

        Assert.True(EvidenceBundle.Verify(json, Key).IsIntact);
        var problem = Assert.Single(EvidenceBundle.Verify(json, other.PublicKey).Problems);
        Assert.Equal(KeyMismatch, problem.Kind);
        Assert.Equal($"the bundle is signed with key {Key.KeyId}, not the trusted key {other.KeyId}", problem.Message);
    }

    /// <summary>Every byte of the bundle changed three ways (bit 0, bit 5 — the case of a letter — and to a space): never intact.</summary>
    [Fact]
    public void Verify_AnyByteOfTheBundleChanged_NeverVerifies()
    {
        var bytes = Encoding.UTF8.GetBytes(Bundle().ToJson());
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var tried = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var changed in new[] { (byte)(bytes[i] ^ 0x01), (byte)(bytes[i] ^ 0x20), (byte)' ' }.Where(b => b != bytes[i]).Distinct())
            {
                var copy = bytes.ToArray();
                copy[i] = changed;
                string text;
                try
                {
                    text = strict.GetString(copy);
                }
                catch (DecoderFallbackException)
                {
                    continue; // not UTF-8: no reader gets as far as JSON
                }

                Assert.False(EvidenceBundle.Verify(text).IsIntact, $"byte {i} ('{(char)bytes[i]}' -> 0x{changed:x2}) changed and the bundle still verifies");
                tried++;
            }
        }

        Assert.True(tried > bytes.Length * 2, $"only {tried} changes tried");
    }

    [Fact]
    public void Verify_ReformattedBundle_IsNotInItsCanonicalForm()
    {
        var json = JsonNode.Parse(Bundle().ToJson())!.ToJsonString();

        var problem = Assert.Single(EvidenceBundle.Verify(json).Problems);
        Assert.Equal((BundleMalformed, "the bundle is not in its canonical form: it was re-formatted or edited"), (problem.Kind, problem.Message));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("[]")]
    public void Verify_NotABundle_IsBundleMalformed(string json) =>
        Assert.Equal(BundleMalformed, Assert.Single(EvidenceBundle.Verify(json).Problems).Kind);

    [Fact]
    public void Verify_OtherFormatId_IsBundleMalformed()
    {
        var json = TestFiles.Edit(Bundle().ToJson(), "evidence-bundle/1", "evidence-bundle/2");

        Assert.Contains("format", Assert.Single(EvidenceBundle.Verify(json).Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RecordEditedInTheBundle_IsChangedAtItsSeq()
    {
        var json = TestFiles.Edit(Bundle().ToJson(), "ACC-000002", "ACC-000003");

        Assert.Equal("changed at seq 0: its content does not match its stored hash", EvidenceBundle.Verify(json).First!.Message);
    }

    [Fact]
    public void Verify_RecordDroppedFromTheBundle_IsRemoved()
    {
        var bundle = Bundle();

        Assert.Equal("removed: seq 1 missing", With(bundle, records: [bundle.Records[0], bundle.Records[2]]).Verify().First!.Message);
    }

    [Fact]
    public void Verify_PayloadBytesChanged_IsPayloadMismatch()
    {
        var bundle = Bundle();
        var digest = EvidencePayload.DigestOf(Draft);

        var problem = Assert.Single(With(bundle, payloads: new Dictionary<string, byte[]> { [digest] = [.. Draft, 0] }).Verify().Problems);
        Assert.Equal(PayloadMismatch, problem.Kind);
        Assert.StartsWith($"payload {digest} does not match its bytes", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PayloadNoRecordReferences_IsPayloadUnreferenced()
    {
        var bundle = Bundle();
        var extra = Encoding.UTF8.GetBytes("smuggled");
        var payloads = new Dictionary<string, byte[]>(bundle.Payloads) { [EvidencePayload.DigestOf(extra)] = extra };

        Assert.Equal(PayloadUnreferenced, Assert.Single(With(bundle, payloads: payloads).Verify().Problems).Kind);
    }

    [Fact]
    public void Verify_InclusionProofOfAnotherLeaf_HeadIsNotInTheTree()
    {
        var bundle = Bundle();

        var problem = Assert.Single(With(bundle, inclusion: bundle.Inclusion with { LeafIndex = 1 }).Verify().Problems);
        Assert.Equal((NotInTree, "head is not in the signed tree: the inclusion proof for leaf 1 does not verify"), (problem.Kind, problem.Message));
    }

    [Fact]
    public void Verify_InclusionProofForAnotherTreeSize_HeadIsNotInTheTree()
    {
        var bundle = Bundle();

        Assert.Equal(NotInTree, Assert.Single(With(bundle, inclusion: bundle.Inclusion with { TreeSize = 4 }).Verify().Problems).Kind);
    }

    [Fact]
    public void Verify_TreeHeadSignatureOfAnotherTreeHead_DoesNotVerify()
    {
        var bundle = Bundle();

        var problem = Assert.Single(With(bundle, treeHeadSignature: Sign(bundle.TreeHead with { Size = 9 })).Verify().Problems);
        Assert.Equal((EvidenceProblemKind.TreeHeadSignature, "tree head signature does not verify"), (problem.Kind, problem.Message));
    }

    [Fact]
    public void Verify_KeyIdOfAnotherKey_IsKeyMismatch()
    {
        var problem = Assert.Single(With(Bundle(), keyId: "0123456789abcdef").Verify().Problems);

        Assert.Equal((KeyMismatch, $"key id 0123456789abcdef does not match the public key (whose id is {Key.KeyId})"), (problem.Kind, problem.Message));
    }

    [Fact]
    public void Verify_HeadSignatureOfAnotherHead_DoesNotVerify()
    {
        var bundle = Bundle();

        Assert.Equal(HeadSignature, Assert.Single(With(bundle, headSignature: Sign(bundle.Head with { Final = false })).Verify().Problems).Kind);
    }

    [Fact]
    public void For_RunWhoseLatestLeafIsAnOlderHead_IsRefused()
    {
        var run = Run(3);
        var log = new List<LogLeaf> { LogLeaf.ForHead(0, HeadOf(Records(2))) };
        var treeHead = TreeHead.For(log, T0);

        Assert.Throws<ArgumentException>(() => EvidenceBundle.For(run, new Dictionary<string, byte[]>(), log, treeHead, Sign(treeHead), Key));
    }
}

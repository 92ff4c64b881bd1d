using System.Text;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Core.Tests;

/// <summary>docs/EVIDENCE.md shows texts and hashes the code computes; these keep them from going stale.</summary>
public sealed class EvidenceDocsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static string Docs => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "EVIDENCE.md"));

    [Fact]
    public void EvidenceDoc_ExampleRecords_AreWhatTheCodeWritesAndHashes()
    {
        var records = EvidenceChain.Append("crm-followup-3f2a9c1d", ChainTip.Start,
        [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-followup", ["note"] = "café <ok> & \"quoted\"", ["n"] = 1.5 }),
            new EvidenceEntry("step", T0.AddSeconds(2), new JsonObject { ["step"] = "draft", ["output"] = EvidencePayload.Reference(Encoding.UTF8.GetBytes("hello")) }),
        ]);
        var docs = Docs;

        foreach (var record in records)
        {
            Assert.Contains("\n" + record.ToCanonicalJson() + "\n", docs, StringComparison.Ordinal);
            Assert.Contains($"`{record.Hash}`", docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EvidenceDoc_EvidenceOffExample_IsWhatTheCodeWritesHashesAndHeads()
    {
        var start = EvidenceChain.Append("crm-followup-5e0d2b7a", ChainTip.Start,
        [
            new EvidenceEntry("run-start", T0, new JsonObject { ["workflow"] = "crm-followup", ["governanceOff"] = new JsonArray("evidence") }),
        ])[0];
        var head = RunHead.For(start, final: true, T0);
        var docs = Docs;

        Assert.Contains("\n" + start.ToCanonicalJson() + "\n", docs, StringComparison.Ordinal);
        Assert.Contains($"(hash `{start.Hash}`;", docs, StringComparison.Ordinal);
        Assert.Contains("\n" + head.ToCanonicalJson() + "\n", docs, StringComparison.Ordinal);
        Assert.Equal(["evidence"], RunGovernance.Off([StoredRecord.Of(start)]));
    }

    [Fact]
    public void EvidenceDoc_ThreeLeafExample_IsWhatTheCodeComputes()
    {
        var heads = new[] { ("run-a", '1'), ("run-b", '2'), ("run-c", '3') }
            .Select((r, i) => new RunHead(r.Item1, 4, new string(r.Item2, 64), 5, true, T0.AddMinutes(i))).ToList();
        var leaves = heads.Select((h, i) => LogLeaf.ForHead(i, h)).ToList();
        var hashes = leaves.Select(l => l.LeafHash()).ToList();
        string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
        var docs = Docs;

        foreach (var (head, leaf) in heads.Zip(leaves))
        {
            Assert.Contains("\n" + head.ToCanonicalJson() + "\n", docs, StringComparison.Ordinal);
            Assert.Contains($"`{head.Hash}`", docs, StringComparison.Ordinal);
            Assert.Contains($"= {Hex(leaf.LeafHash())}`", docs, StringComparison.Ordinal);
            Assert.Contains($"{{\"head\":\"{head.Hash[..8]}…{head.Hash[^4..]}\",\"run\":\"{head.RunId}\"}}", docs, StringComparison.Ordinal);
        }

        Assert.Contains("N01 = SHA-256(0x01 ‖ L0 ‖ L1)     L2\n    = " + Hex(MerkleTree.HashChildren(hashes[0], hashes[1])), docs, StringComparison.Ordinal);
        Assert.Contains("root = SHA-256(0x01 ‖ N01 ‖ L2) = " + Hex(MerkleTree.Root(hashes)), docs, StringComparison.Ordinal);
        Assert.Contains("`" + TreeHead.For(leaves, T0.AddHours(1)).ToCanonicalJson() + "`", docs, StringComparison.Ordinal);

        // The paths the prose names, by the names it gives them.
        var names = new Dictionary<string, string>
        {
            [Hex(hashes[0])] = "L0",
            [Hex(hashes[1])] = "L1",
            [Hex(hashes[2])] = "L2",
            [Hex(MerkleTree.HashChildren(hashes[0], hashes[1]))] = "N01",
        };
        string Named(IReadOnlyList<byte[]> path) => "`[" + string.Join(", ", path.Select(p => names[Hex(p)])) + "]`";
        Assert.Contains("Inclusion of leaf 0: path " + Named(MerkleTree.InclusionPath(hashes, 0)), docs, StringComparison.Ordinal);
        Assert.Contains("Inclusion of leaf 1: path " + Named(MerkleTree.InclusionPath(hashes, 1)), docs, StringComparison.Ordinal);
        Assert.Contains("Inclusion of leaf 2: path " + Named(MerkleTree.InclusionPath(hashes, 2)), docs, StringComparison.Ordinal);
        Assert.Contains("(root N01) to this one: path " + Named(MerkleTree.ConsistencyPath(hashes, 2)), docs, StringComparison.Ordinal);
        Assert.Contains("(root L0): path " + Named(MerkleTree.ConsistencyPath(hashes, 1)), docs, StringComparison.Ordinal);
    }

    [Fact]
    public void EvidenceDoc_NamesEveryProblemKind()
    {
        var docs = Docs;

        Assert.All(Enum.GetNames<EvidenceProblemKind>(), kind => Assert.Contains($"| `{kind}` |", docs, StringComparison.Ordinal));
    }

    [Fact]
    public void EvidenceDoc_FormatId_IsTheBundles() =>
        Assert.Contains($"`{EvidenceBundle.FormatId}`", Docs, StringComparison.Ordinal);
}

using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Core.Evidence;

/// <summary>The signed head of the log-wide tree over run heads: how many leaves, their root (hex), when.</summary>
public sealed record TreeHead(long Size, string Root, DateTimeOffset At)
{
    /// <summary>The <c>"type"</c> of a tree head.</summary>
    public const string Type = "tree-head";

    private static readonly string[] Keys = ["v", "type", "size", "root", "at"];

    /// <summary>The head of a tree of <paramref name="leaves"/> (in log order), at <paramref name="at"/>.</summary>
    public static TreeHead For(IReadOnlyList<LogLeaf> leaves, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        return new TreeHead(leaves.Count, Convert.ToHexStringLower(MerkleTree.Root(LogLeaf.Hashes(leaves))), EvidenceFormat.ToMilliseconds(at));
    }

    /// <summary>The head of the tree whose right edge is <paramref name="frontier"/>: the same root, without the leaves.</summary>
    public static TreeHead Of(MerkleFrontier frontier, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(frontier);
        return new TreeHead(frontier.Size, Convert.ToHexStringLower(frontier.Root()), EvidenceFormat.ToMilliseconds(at));
    }

    public string Hash => CanonicalJson.Sha256(ToJson());

    public JsonObject ToJson() => new()
    {
        ["v"] = EvidenceRecord.Version,
        ["type"] = Type,
        ["size"] = Size,
        ["root"] = Root,
        ["at"] = EvidenceFormat.Time(At),
    };

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJson());

    public static bool TryParse(string? json, [NotNullWhen(true)] out TreeHead? head, out string? error)
    {
        head = null;
        var node = EvidenceFormat.TryParse(json, out error);
        return node is not null && TryRead(node, out head, out error);
    }

    internal static bool TryRead(JsonNode? node, [NotNullWhen(true)] out TreeHead? head, out string? error)
    {
        var reader = StrictObject.Open(node, "tree head", Keys);
        if (reader.Integer("v", EvidenceRecord.Version) != EvidenceRecord.Version)
        {
            reader.Fail("v", $"{EvidenceRecord.Version}");
        }

        _ = reader.Text("type", t => t == Type, $"\"{Type}\"");
        var parsed = new TreeHead(reader.Integer("size", 0), reader.Text("root", EvidenceFormat.IsHash, "a SHA-256 in lowercase hex"), reader.Time("at"));
        error = reader.Error;
        head = error is null ? parsed : null;
        return head is not null;
    }
}

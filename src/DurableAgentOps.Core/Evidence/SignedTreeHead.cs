using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// A signed tree head as an investigator keeps it (<c>agentops evidence head</c>) and as the anchor store holds it: the
/// head, its signature and the signing key's id. Nothing in it needs trusting: the signature is checked with the key
/// the reader trusts, and a later head is checked against it with a consistency proof.
/// </summary>
public sealed record SignedTreeHead(TreeHead Head, string Signature, string KeyId)
{
    /// <summary>The <c>format</c> of a kept head's file.</summary>
    public const string Format = "durableagentops-tree-head/1";

    public JsonObject ToJsonObject() => new()
    {
        ["format"] = Format,
        ["keyId"] = KeyId,
        ["treeHead"] = Head.ToJson(),
        ["treeHeadSignature"] = Signature,
    };

    /// <summary>The file an investigator keeps: indented, a final newline.</summary>
    public string ToJson() => ToJsonObject().ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";

    /// <summary>Reads a kept head (no unknown, missing or duplicate key); never throws.</summary>
    public static bool TryParse(string? json, [NotNullWhen(true)] out SignedTreeHead? head, out string? error)
    {
        head = null;
        var node = EvidenceFormat.TryParse(json, out error);
        return node is not null && TryRead(node, out head, out error);
    }

    internal static bool TryRead(JsonNode node, [NotNullWhen(true)] out SignedTreeHead? head, out string? error)
    {
        head = null;
        var reader = StrictObject.Open(node, "kept tree head", "format", "keyId", "treeHead", "treeHeadSignature");
        _ = reader.Text("format", f => f == Format, $"\"{Format}\"");
        var keyId = reader.Text("keyId", k => k.Length == 16 && k.All(char.IsAsciiHexDigitLower), "a key id (16 lowercase hex characters)");
        var signature = reader.Text("treeHeadSignature", s => EvidenceFormat.FromBase64Url(s) is { Length: 64 }, "a signature (64 bytes, unpadded base64url)");
        var tree = reader.Object("treeHead");
        TreeHead? parsed = null;
        if (reader.Error is null && !TreeHead.TryRead(tree, out parsed, out var treeError))
        {
            reader.Adopt(treeError!);
        }

        error = reader.Error;
        head = error is null && parsed is not null ? new SignedTreeHead(parsed, signature, keyId) : null;
        return head is not null;
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Canonical;

/// <summary>
/// One canonical JSON form for everything the product hashes (definition snapshots, approved changes, evidence):
/// object keys sorted ordinally, no whitespace, System.Text.Json's escaping. The same value always hashes the same.
/// </summary>
public static class CanonicalJson
{
    public static string Serialize(JsonNode? node) => Canonicalize(node)?.ToJsonString() ?? "null";

    /// <summary>SHA-256 (lowercase hex) of the canonical form.</summary>
    public static string Sha256(JsonNode? node) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Serialize(node))));

    private static JsonNode? Canonicalize(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonicalize(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonicalize)]),
        null => null,
        _ => node.DeepClone(),
    };
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// Payloads kept beside the records, not in them (large ones, and redacted ones that must not sit in a record in
/// clear): a record holds <c>{"$payload":"sha256:&lt;hex&gt;"}</c> and the bytes travel apart, in a bundle or not at all.
/// </summary>
public static class EvidencePayload
{
    /// <summary>The one key of a reference object.</summary>
    public const string Key = "$payload";

    private const string Prefix = "sha256:";

    /// <summary><c>sha256:&lt;lowercase hex&gt;</c> of <paramref name="bytes"/>.</summary>
    public static string DigestOf(ReadOnlySpan<byte> bytes) => Prefix + EvidenceFormat.Sha256Hex(bytes);

    /// <summary>The reference a record holds in place of <paramref name="bytes"/>.</summary>
    public static JsonObject Reference(ReadOnlySpan<byte> bytes) => new() { [Key] = DigestOf(bytes) };

    public static bool IsDigest(string? text) =>
        text is not null && text.StartsWith(Prefix, StringComparison.Ordinal) && EvidenceFormat.IsHash(text[Prefix.Length..]);

    /// <summary>The digests of every reference in <paramref name="data"/>: objects whose only key is <see cref="Key"/> with a digest.</summary>
    public static IReadOnlySet<string> ReferencesIn(JsonNode? data)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        Walk(data, found);
        return found;
    }

    private static void Walk(JsonNode? node, HashSet<string> found)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count == 1 && obj[Key] is JsonValue value && value.GetValueKind() == JsonValueKind.String
                && value.GetValue<string>() is var digest && IsDigest(digest):
                found.Add(digest);
                break;
            case JsonObject obj:
                foreach (var property in obj)
                {
                    Walk(property.Value, found);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Walk(item, found);
                }

                break;
        }
    }
}

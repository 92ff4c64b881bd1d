using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// Where two JSON values differ, path by path: objects key by key, arrays of objects item by item when both have as
/// many; a list of plain values, or lists of other lengths, as one value (the whole list is easier to read).
/// </summary>
internal static class JsonDiff
{
    private const int ValueLength = 160;

    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static List<JsonDifference> Between(JsonNode? expected, JsonNode? got)
    {
        var differences = new List<JsonDifference>();
        Walk(string.Empty, expected, true, got, true, differences);
        return differences;
    }

    private static void Walk(string path, JsonNode? a, bool hasA, JsonNode? b, bool hasB, List<JsonDifference> differences)
    {
        if (hasA && hasB && JsonNode.DeepEquals(a, b))
        {
            return;
        }

        if (a is JsonObject left && b is JsonObject right)
        {
            foreach (var key in left.Select(p => p.Key).Union(right.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                Walk(Join(path, key), left[key], left.ContainsKey(key), right[key], right.ContainsKey(key), differences);
            }

            return;
        }

        if (a is JsonArray first && b is JsonArray second && first.Count == second.Count && first.Concat(second).Any(n => n is JsonObject or JsonArray))
        {
            for (var i = 0; i < first.Count; i++)
            {
                Walk($"{path}[{i}]", first[i], true, second[i], true, differences);
            }

            return;
        }

        differences.Add(new JsonDifference(path.Length == 0 ? "(the whole value)" : path, Show(a, hasA), Show(b, hasB)));
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Show(JsonNode? node, bool present)
    {
        if (!present)
        {
            return JsonDifference.Absent;
        }

        // Keys in canonical order, and quotes and apostrophes as typed: people read these values.
        var text = JsonNode.Parse(CanonicalJson.Serialize(node))?.ToJsonString(Readable) ?? "null";
        return text.Length <= ValueLength ? text : $"{text[..ValueLength]}…";
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>Tolerant reads of a record's data: a missing or mistyped field is null (or empty), never an exception.</summary>
internal static class StoryJson
{
    public static string? Text(JsonObject? data, string key) => data?[key] is JsonValue value ? AsText(value) : null;

    public static long? Number(JsonObject? data, string key)
    {
        if (data?[key] is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        var text = value.ToJsonString();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            return whole;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && Math.Abs(real) < 9e15 ? (long)real : null;
    }

    public static bool? Flag(JsonObject? data, string key) => data?[key] is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
        ? value.GetValueKind() == JsonValueKind.True
        : null;

    public static JsonObject? Object(JsonObject? data, string key) => data?[key] as JsonObject;

    public static IReadOnlyList<string> Strings(JsonObject? data, string key) =>
        data?[key] is JsonArray array ? [.. array.Select(n => n is JsonValue v ? AsText(v) : n?.ToJsonString()).Where(s => s is not null).Select(s => s!)] : [];

    public static DateTimeOffset? Time(JsonObject? data, string key) =>
        Text(data, key) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Map(JsonObject? data, string key)
    {
        var map = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (Object(data, key) is { } obj)
        {
            foreach (var (name, _) in obj)
            {
                map[name] = Strings(obj, name);
            }
        }

        return map;
    }

    public static StoryPrincipal? Principal(JsonObject? data, string key) =>
        Object(data, key) is { } p ? new StoryPrincipal(Text(p, "id"), Text(p, "name"), Text(p, "upn")) : null;

    /// <summary>
    /// The leaves of a JSON value as (path, text), depth first, at most <paramref name="max"/>: "task.subject",
    /// "lines[0].amount". For showing what a step produced without knowing its shape.
    /// </summary>
    public static IReadOnlyList<StoryField> Leaves(JsonNode? node, int max)
    {
        var leaves = new List<StoryField>();
        void Walk(JsonNode? n, string path)
        {
            if (leaves.Count >= max)
            {
                return;
            }

            switch (n)
            {
                case JsonObject obj:
                    foreach (var (name, child) in obj)
                    {
                        Walk(child, path.Length == 0 ? name : $"{path}.{name}");
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(array[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"));
                    }

                    break;
                case JsonValue value when AsText(value) is { } text:
                    leaves.Add(new StoryField(path, text));
                    break;
            }
        }

        Walk(node, string.Empty);
        return leaves;
    }

    private static string? AsText(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
        _ => null,
    };
}

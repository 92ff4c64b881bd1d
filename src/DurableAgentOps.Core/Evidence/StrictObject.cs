using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// Reads one JSON object that must have exactly the given keys, each value in its one accepted spelling. The first
/// problem is kept in <see cref="Error"/>; readers after it return defaults, so parse code reads straight through.
/// </summary>
internal sealed class StrictObject
{
    private readonly JsonObject obj;

    private StrictObject(JsonObject obj, string what)
    {
        this.obj = obj;
        What = what;
    }

    public string What { get; }

    public string? Error { get; private set; }

    /// <summary>A reader over <paramref name="node"/>; its <see cref="Error"/> is set at once when the keys are not exactly <paramref name="keys"/>.</summary>
    public static StrictObject Open(JsonNode? node, string what, params string[] keys)
    {
        if (node is not JsonObject obj)
        {
            return new StrictObject([], what) { Error = $"{what} is not a JSON object" };
        }

        var reader = new StrictObject(obj, what);
        if (obj.Select(p => p.Key).FirstOrDefault(k => !keys.Contains(k, StringComparer.Ordinal)) is { } extra)
        {
            reader.Error = $"{what} has an unknown property '{extra}'";
        }
        else if (keys.FirstOrDefault(k => !obj.ContainsKey(k)) is { } missing)
        {
            reader.Error = $"{what} lacks '{missing}'";
        }

        return reader;
    }

    public string Text(string key, Func<string, bool> valid, string expected)
    {
        if (Error is null && Value(key, JsonValueKind.String) is { } value)
        {
            var text = value.GetValue<string>();
            if (valid(text))
            {
                return text;
            }

            Fail(key, expected);
        }

        return string.Empty;
    }

    public long Integer(string key, long min)
    {
        if (Error is null && Value(key, JsonValueKind.Number) is { } value)
        {
            // Digits only: 1.0, 1e0 and -0 are other spellings of a number and are refused.
            if (value.TryGetValue<long>(out var number) && number >= min && value.ToJsonString() == number.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return number;
            }

            Fail(key, $"an integer of at least {min}");
        }

        return 0;
    }

    public bool Boolean(string key)
    {
        if (Error is null && obj[key] is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetValue<bool>();
        }

        Fail(key, "true or false");
        return false;
    }

    public DateTimeOffset Time(string key)
    {
        var text = Text(key, t => EvidenceFormat.TryParseTime(t, out _), "a UTC time like 2026-01-02T03:04:05.678Z");
        return Error is null && EvidenceFormat.TryParseTime(text, out var at) ? at : default;
    }

    public JsonObject Object(string key)
    {
        if (Error is null && obj[key] is JsonObject value)
        {
            return value;
        }

        Fail(key, "an object");
        return [];
    }

    public JsonArray Array(string key)
    {
        if (Error is null && obj[key] is JsonArray value)
        {
            return value;
        }

        Fail(key, "an array");
        return [];
    }

    /// <summary>Records a problem found by the caller (the first one wins).</summary>
    public void Fail(string key, string expected) => Error ??= $"{What}: '{key}' is not {expected}";

    /// <summary>Takes a nested reader's problem as this one's (the first one wins).</summary>
    public void Adopt(string error) => Error ??= error;

    private JsonValue? Value(string key, JsonValueKind kind)
    {
        if (obj[key] is JsonValue value && value.GetValueKind() == kind)
        {
            return value;
        }

        Fail(key, kind == JsonValueKind.String ? "a string" : "a number");
        return null;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>Payloads as the engine serializes them, and their digests.</summary>
internal static class ReplayJson
{
    /// <summary>The engine's converter (see DurableEngine): web defaults, so today's inputs serialize as the run's did.</summary>
    public static DataConverter Converter { get; } = new JsonDataConverter(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonNode? ToNode(object? value) => Parse(Converter.Serialize(value));

    /// <summary>SHA-256 of the canonical JSON, so key order and whitespace never make two equal payloads differ.</summary>
    public static string Digest(JsonNode? node) => CanonicalJson.Sha256(node);

    /// <summary>JSON as JSON; anything else (text an operator raised by hand) as a JSON string, so it is kept, not lost.</summary>
    public static JsonNode? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    /// <summary>
    /// An activity input without the evidence batch riding on it (<see cref="Shared.ICarriesEvidence"/>): the batch holds
    /// records already compared where they were made, and the loaded definition (today's, where replay substitutes it).
    /// </summary>
    public static JsonNode? WithoutCarriedEvidence(JsonNode? input)
    {
        if (input is not JsonObject body || !body.ContainsKey(Shared.ICarriesEvidence.Property))
        {
            return input;
        }

        var copy = (JsonObject)body.DeepClone();
        copy.Remove(Shared.ICarriesEvidence.Property);
        return copy;
    }

    public static DateTime Utc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();
}

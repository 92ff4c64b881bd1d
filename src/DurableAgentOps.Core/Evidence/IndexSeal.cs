using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// A run's search index row, signed: the summary the runs search shows, bound to the run and the head it was written
/// with (<c>{"head":…,"run":…,"summary":{…},"type":"run-index","v":1}</c>). The row keeps this signed copy beside the
/// summary it searches by, so a summary rewritten in storage is told from the one the host wrote, field by field.
/// </summary>
public sealed record IndexSeal(string RunId, string HeadHash, JsonObject Summary)
{
    /// <summary>The <c>"type"</c> of an index seal: a signature over one never verifies as a head's.</summary>
    public const string Type = "run-index";

    public JsonObject ToJson() => new()
    {
        ["v"] = EvidenceRecord.Version,
        ["type"] = Type,
        ["run"] = RunId,
        ["head"] = HeadHash,
        ["summary"] = Summary.DeepClone(),
    };

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJson());

    /// <summary>Reads a seal as stored; never throws.</summary>
    public static bool TryParse(string? json, [NotNullWhen(true)] out IndexSeal? seal, out string? error)
    {
        seal = null;
        var node = EvidenceFormat.TryParse(json, out error);
        if (node is null)
        {
            return false;
        }

        var reader = StrictObject.Open(node, "index seal", "v", "type", "run", "head", "summary");
        if (reader.Integer("v", EvidenceRecord.Version) != EvidenceRecord.Version)
        {
            reader.Fail("v", $"{EvidenceRecord.Version}");
        }

        _ = reader.Text("type", t => t == Type, $"\"{Type}\"");
        var parsed = new IndexSeal(reader.Text("run", EvidenceFormat.IsRunId, "a run id"), reader.Text("head", EvidenceFormat.IsHash, "a SHA-256 in lowercase hex"),
            (JsonObject)reader.Object("summary").DeepClone());
        error = reader.Error;
        seal = error is null ? parsed : null;
        return seal is not null;
    }

    /// <summary>The fields of <paramref name="shown"/> that are not this seal's summary (a missing field and null are alike), with both values.</summary>
    public IReadOnlyList<(string Field, string Shown, string Signed)> Differences(JsonObject shown)
    {
        ArgumentNullException.ThrowIfNull(shown);
        static string Text(JsonNode? node) => node is null ? "null" : CanonicalJson.Serialize(node);
        return [.. Summary.Select(p => p.Key).Union(shown.Select(p => p.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(field => (field, Text(shown[field]), Text(Summary[field])))
            .Where(d => d.Item2 != d.Item3)];
    }
}

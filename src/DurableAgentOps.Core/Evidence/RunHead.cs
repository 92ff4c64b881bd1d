using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// A run's signed head: the last record's seq and hash and how many records the run has. Signed over its canonical
/// JSON and kept apart from the records, it is what makes a removed tail or a rewritten chain detectable.
/// </summary>
public sealed record RunHead(string RunId, long LastSeq, string LastHash, long Records, bool Final, DateTimeOffset At)
{
    /// <summary>The <c>"type"</c> of a run head; a tree head's differs, so neither signature passes for the other.</summary>
    public const string Type = "run-head";

    private static readonly string[] Keys = ["v", "type", "run", "lastSeq", "lastHash", "records", "final", "at"];

    /// <summary>The head after <paramref name="last"/>, the run's last record so far.</summary>
    public static RunHead For(EvidenceRecord last, bool final, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(last);
        return new RunHead(last.RunId, last.Seq, last.Hash, last.Seq + 1, final, EvidenceFormat.ToMilliseconds(at));
    }

    /// <summary>SHA-256 (lowercase hex) of the canonical form: what a log leaf names.</summary>
    public string Hash => CanonicalJson.Sha256(ToJson());

    public JsonObject ToJson() => new()
    {
        ["v"] = EvidenceRecord.Version,
        ["type"] = Type,
        ["run"] = RunId,
        ["lastSeq"] = LastSeq,
        ["lastHash"] = LastHash,
        ["records"] = Records,
        ["final"] = Final,
        ["at"] = EvidenceFormat.Time(At),
    };

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJson());

    public static bool TryParse(string? json, [NotNullWhen(true)] out RunHead? head, out string? error)
    {
        head = null;
        var node = EvidenceFormat.TryParse(json, out error);
        return node is not null && TryRead(node, out head, out error);
    }

    internal static bool TryRead(JsonNode? node, [NotNullWhen(true)] out RunHead? head, out string? error)
    {
        var reader = StrictObject.Open(node, "run head", Keys);
        if (reader.Integer("v", EvidenceRecord.Version) != EvidenceRecord.Version)
        {
            reader.Fail("v", $"{EvidenceRecord.Version}");
        }

        _ = reader.Text("type", t => t == Type, $"\"{Type}\"");
        var parsed = new RunHead(
            reader.Text("run", EvidenceFormat.IsRunId, "a run id"),
            reader.Integer("lastSeq", 0),
            reader.Text("lastHash", EvidenceFormat.IsHash, "a SHA-256 in lowercase hex"),
            reader.Integer("records", 1),
            reader.Boolean("final"),
            reader.Time("at"));
        error = reader.Error;
        head = error is null ? parsed : null;
        return head is not null;
    }
}

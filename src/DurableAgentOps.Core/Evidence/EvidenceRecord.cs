using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// One append-only evidence record of a run. Records of a run are numbered densely from 0 and each names the hash of
/// the one before (<see cref="Previous"/>; <see cref="GenesisHash"/> for seq 0), so a changed, removed, inserted or
/// moved record breaks the chain. <see cref="Hash"/> is the SHA-256 of <see cref="ToCanonicalJson"/> (docs/EVIDENCE.md).
/// </summary>
public sealed record EvidenceRecord(string RunId, long Seq, string Kind, DateTimeOffset At, string Previous, JsonObject Data)
{
    /// <summary>The record format version written as <c>"v"</c>.</summary>
    public const int Version = 1;

    /// <summary>What the first record of a run names as its predecessor: 64 zeros.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly string[] Keys = ["v", "run", "seq", "kind", "at", "prev", "data"];

    /// <summary>SHA-256 (lowercase hex) of the canonical form.</summary>
    public string Hash => CanonicalJson.Sha256(ToJson());

    /// <summary><c>{"v":1,"run":…,"seq":…,"kind":…,"at":…,"prev":…,"data":{…}}</c>; canonical JSON sorts the keys.</summary>
    public JsonObject ToJson() => new()
    {
        ["v"] = Version,
        ["run"] = RunId,
        ["seq"] = Seq,
        ["kind"] = Kind,
        ["at"] = EvidenceFormat.Time(At),
        ["prev"] = Previous,
        ["data"] = Data.DeepClone(),
    };

    public string ToCanonicalJson() => CanonicalJson.Serialize(ToJson());

    /// <summary>Why this record could not be written as evidence, or null when it can.</summary>
    public string? Problem() =>
        !EvidenceFormat.IsRunId(RunId) ? $"run id '{RunId}' is not letters, digits and . _ : - (at most 200)"
        : Seq < 0 ? $"seq {Seq} is negative"
        : !EvidenceFormat.IsKind(Kind) ? $"kind '{Kind}' is not a lowercase word of letters, digits and . _ -"
        : !EvidenceFormat.IsHash(Previous) ? "prev is not a SHA-256 in lowercase hex"
        : (Seq == 0) != (Previous == GenesisHash) ? "only seq 0 names the genesis hash, and it must"
        : EvidenceFormat.TryCanonical(ToJson()) is null ? "data has no canonical JSON form"
        : null;

    /// <summary>Reads a record from JSON (canonical or not); never throws.</summary>
    public static bool TryParse(string? json, [NotNullWhen(true)] out EvidenceRecord? record, out string? error)
    {
        record = null;
        var node = EvidenceFormat.TryParse(json, out error);
        if (node is null)
        {
            return false;
        }

        var reader = StrictObject.Open(node, "record", Keys);
        if (reader.Integer("v", Version) != Version)
        {
            reader.Fail("v", $"{Version}");
        }

        var parsed = new EvidenceRecord(
            reader.Text("run", EvidenceFormat.IsRunId, "a run id"),
            reader.Integer("seq", 0),
            reader.Text("kind", EvidenceFormat.IsKind, "a record kind"),
            reader.Time("at"),
            reader.Text("prev", EvidenceFormat.IsHash, "a SHA-256 in lowercase hex"),
            reader.Object("data"));
        error = reader.Error ?? (EvidenceFormat.TryCanonical(parsed.ToJson()) is null ? "data has no canonical JSON form (a lone surrogate?)" : null);
        if (error is not null)
        {
            return false;
        }

        // Detach data from the parsed document so the record owns it.
        record = parsed with { Data = (JsonObject)parsed.Data.DeepClone() };
        return true;
    }
}

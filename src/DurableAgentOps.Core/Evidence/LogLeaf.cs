using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;
using DurableAgentOps.Core.Validation;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// One leaf of the log-wide tree: a run's head (<c>{"head":…,"run":…}</c>, the head's hash), or, when
/// <see cref="Retention"/> is set, a retention tombstone (<c>{"purged":…,"retention":…,"run":…}</c>) saying the run's
/// evidence with that last head was deleted after its retention. A run is logged again each time its head changes.
/// </summary>
public sealed record LogLeaf(long Index, string RunId, string HeadHash, string? Retention = null)
{
    public bool IsTombstone => Retention is not null;

    public static LogLeaf ForHead(long index, RunHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return new LogLeaf(index, head.RunId, head.Hash);
    }

    public static LogLeaf Tombstone(long index, string runId, string purgedHeadHash, string retention) => new(index, runId, purgedHeadHash, retention);

    /// <summary>The leaf's canonical JSON; its UTF-8 bytes are the leaf the tree hashes.</summary>
    public string ToCanonicalJson() => CanonicalJson.Serialize(Retention is null
        ? new JsonObject { ["run"] = RunId, ["head"] = HeadHash }
        : new JsonObject { ["run"] = RunId, ["purged"] = HeadHash, ["retention"] = Retention });

    /// <summary>SHA-256(0x00 || leaf bytes).</summary>
    public byte[] LeafHash() => MerkleTree.HashLeaf(Encoding.UTF8.GetBytes(ToCanonicalJson()));

    /// <summary>Why this leaf cannot be in the log, or null.</summary>
    public string? Problem() =>
        Index < 0 ? $"index {Index} is negative"
        : !EvidenceFormat.IsRunId(RunId) ? $"run id '{RunId}' is not a run id"
        : !EvidenceFormat.IsHash(HeadHash) ? "the head hash is not a SHA-256 in lowercase hex"
        : Retention is not null && !(IsoDuration.TryParse(Retention, out var kept) && kept > TimeSpan.Zero) ? $"retention '{Retention}' is not an ISO 8601 duration"
        : null;

    /// <summary>Reads leaf <paramref name="index"/> from its JSON (as stored); never throws.</summary>
    public static bool TryParse(long index, string? json, [NotNullWhen(true)] out LogLeaf? leaf, out string? error)
    {
        leaf = null;
        var node = EvidenceFormat.TryParse(json, out error);
        if (node is null)
        {
            return false;
        }

        var tombstone = node is JsonObject obj && obj.ContainsKey("purged");
        var reader = tombstone ? StrictObject.Open(node, "tombstone", "run", "purged", "retention") : StrictObject.Open(node, "leaf", "run", "head");
        var parsed = new LogLeaf(index, reader.Text("run", EvidenceFormat.IsRunId, "a run id"),
            reader.Text(tombstone ? "purged" : "head", EvidenceFormat.IsHash, "a SHA-256 in lowercase hex"),
            tombstone ? reader.Text("retention", r => IsoDuration.TryParse(r, out _), "an ISO 8601 duration") : null);
        error = reader.Error ?? parsed.Problem();
        leaf = error is null ? parsed : null;
        return leaf is not null;
    }

    internal static List<byte[]> Hashes(IEnumerable<LogLeaf> leaves) => [.. leaves.Select(l => l.LeafHash())];
}

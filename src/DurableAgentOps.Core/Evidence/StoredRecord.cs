namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// A record as storage holds it: its text and the hash stored beside it. A row that does not parse is still a
/// <see cref="StoredRecord"/> (with <see cref="Malformed"/> saying why), so verification reports it where it lies
/// instead of throwing.
/// </summary>
public sealed class StoredRecord
{
    private StoredRecord(string json, string storedHash, EvidenceRecord? record, string? malformed)
    {
        Json = json;
        StoredHash = storedHash;
        Record = record;
        Malformed = malformed;
        TextHash = EvidenceFormat.Sha256Hex(json);
        IsCanonical = record is not null && EvidenceFormat.TryCanonical(record.ToJson()) == json;
    }

    /// <summary>The record's text exactly as stored.</summary>
    public string Json { get; }

    /// <summary>The hash stored with the record (what the writer computed).</summary>
    public string StoredHash { get; }

    /// <summary>The parsed record; null when the text is not a record (<see cref="Malformed"/>).</summary>
    public EvidenceRecord? Record { get; }

    /// <summary>Why the text is not a record, or null.</summary>
    public string? Malformed { get; }

    /// <summary>Whether <see cref="Json"/> is exactly the record's canonical form (what the writer stores).</summary>
    public bool IsCanonical { get; }

    /// <summary>SHA-256 of <see cref="Json"/> as stored: what a verifier in any language computes.</summary>
    public string TextHash { get; }

    /// <summary>The record is what its stored hash says: canonical text hashing to the stored hash.</summary>
    internal bool IsSelfConsistent => IsCanonical && TextHash == StoredHash;

    /// <summary>What a writer stores for <paramref name="record"/>: its canonical text and hash.</summary>
    public static StoredRecord Of(EvidenceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var json = record.ToCanonicalJson();
        return new StoredRecord(json, EvidenceFormat.Sha256Hex(json), record with { Data = (System.Text.Json.Nodes.JsonObject)record.Data.DeepClone() }, null);
    }

    /// <summary>A stored row read back; never throws (a row that is not a record comes back <see cref="Malformed"/>).</summary>
    public static StoredRecord Parse(string? json, string? storedHash) =>
        EvidenceRecord.TryParse(json, out var record, out var error)
            ? new StoredRecord(json!, storedHash ?? string.Empty, record, null)
            : new StoredRecord(json ?? string.Empty, storedHash ?? string.Empty, null, error);
}

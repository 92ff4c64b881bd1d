using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>Builds a run's chain: numbers and links new records after the run's tip.</summary>
public static class EvidenceChain
{
    /// <summary>
    /// The records for <paramref name="entries"/>, numbered and linked after <paramref name="tip"/>. Times are cut to
    /// the millisecond (what the canonical form keeps) and data is copied, so a record equals itself read back.
    /// </summary>
    /// <exception cref="ArgumentException">The run id, the tip or an entry cannot be evidence.</exception>
    public static IReadOnlyList<EvidenceRecord> Append(string runId, ChainTip tip, IEnumerable<EvidenceEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(tip);
        ArgumentNullException.ThrowIfNull(entries);
        if (tip.Seq < -1 || !EvidenceFormat.IsHash(tip.Hash) || (tip.Seq == -1) != (tip.Hash == EvidenceRecord.GenesisHash))
        {
            throw new ArgumentException("the tip is not a chain's end (seq -1 with the genesis hash, or a record's seq and hash)", nameof(tip));
        }

        var records = new List<EvidenceRecord>();
        var (seq, previous) = (tip.Seq, tip.Hash);
        foreach (var entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry);
            ArgumentNullException.ThrowIfNull(entry.Data);
            var record = new EvidenceRecord(runId, seq + 1, entry.Kind, EvidenceFormat.ToMilliseconds(entry.At), previous,
                (JsonObject)entry.Data.DeepClone());
            if (record.Problem() is { } problem)
            {
                throw new ArgumentException($"entry {records.Count} cannot be evidence: {problem}", nameof(entries));
            }

            records.Add(record);
            (seq, previous) = (record.Seq, record.Hash);
        }

        return records;
    }
}

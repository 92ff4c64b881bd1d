using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>Where a run's chain ends: the last record's seq and hash (<see cref="Start"/> before the first record).</summary>
public sealed record ChainTip(long Seq, string Hash)
{
    /// <summary>The tip of a run with no records yet: seq -1, the genesis hash.</summary>
    public static ChainTip Start { get; } = new(-1, EvidenceRecord.GenesisHash);

    public static ChainTip Of(EvidenceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new ChainTip(record.Seq, record.Hash);
    }

    public static ChainTip Of(RunHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return new ChainTip(head.LastSeq, head.LastHash);
    }
}

/// <summary>What an activity wants recorded; <see cref="EvidenceChain.Append"/> numbers and links it.</summary>
public sealed record EvidenceEntry(string Kind, DateTimeOffset At, JsonObject Data);

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

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

namespace DurableAgentOps.Core.Evidence;

/// <summary>That the tree of <see cref="OldSize"/> leaves is a prefix of the tree of <see cref="NewSize"/>: the RFC 9162 path, hex.</summary>
/// <remarks>A monitor keeping tree heads proves with it that the log only grew between two of them (nothing removed or rewritten).</remarks>
public sealed record ConsistencyProof(long OldSize, long NewSize, IReadOnlyList<string> Path)
{
    /// <summary>The proof from the first <paramref name="oldSize"/> leaves of <paramref name="leaves"/> (the whole log) to all of them.</summary>
    public static ConsistencyProof For(IReadOnlyList<LogLeaf> leaves, int oldSize)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        return new ConsistencyProof(oldSize, leaves.Count, [.. MerkleTree.ConsistencyPath(LogLeaf.Hashes(leaves), oldSize).Select(Convert.ToHexStringLower)]);
    }

    /// <summary>Whether this proves <paramref name="older"/>'s tree is a prefix of <paramref name="newer"/>'s.</summary>
    public bool Proves(TreeHead older, TreeHead newer)
    {
        ArgumentNullException.ThrowIfNull(older);
        ArgumentNullException.ThrowIfNull(newer);
        return older.Size == OldSize && newer.Size == NewSize && EvidenceFormat.IsHash(older.Root) && EvidenceFormat.IsHash(newer.Root)
            && Path.All(EvidenceFormat.IsHash)
            && MerkleTree.VerifyConsistency(OldSize, NewSize, Convert.FromHexString(older.Root), Convert.FromHexString(newer.Root), [.. Path.Select(Convert.FromHexString)]);
    }
}

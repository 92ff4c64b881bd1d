namespace DurableAgentOps.Core.Evidence;

/// <summary>That leaf <see cref="LeafIndex"/> is in the tree of <see cref="TreeSize"/> leaves: the RFC 9162 path, hex, leaf level first.</summary>
public sealed record InclusionProof(long LeafIndex, long TreeSize, IReadOnlyList<string> Path)
{
    /// <summary>The proof for leaf <paramref name="index"/> of <paramref name="leaves"/> (the whole log, in order).</summary>
    public static InclusionProof For(IReadOnlyList<LogLeaf> leaves, int index)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        return new InclusionProof(index, leaves.Count, [.. MerkleTree.InclusionPath(LogLeaf.Hashes(leaves), index).Select(Convert.ToHexStringLower)]);
    }

    /// <summary>Whether this proves <paramref name="leaf"/> is in the tree <paramref name="head"/> names.</summary>
    public bool Proves(LogLeaf leaf, TreeHead head)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(head);
        if (TreeSize != head.Size || leaf.Index != LeafIndex || !EvidenceFormat.IsHash(head.Root) || Path.Any(p => !EvidenceFormat.IsHash(p)))
        {
            return false;
        }

        return MerkleTree.VerifyInclusion(leaf.LeafHash(), LeafIndex, TreeSize, [.. Path.Select(Convert.FromHexString)], Convert.FromHexString(head.Root));
    }
}

using System.Numerics;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// The right edge of an RFC 9162 tree: the roots of its perfect subtrees, largest first (one per set bit of the size).
/// Enough to append a leaf and to compute the root without the leaves, so a log grows at O(log n) per leaf.
/// </summary>
public sealed class MerkleFrontier
{
    private readonly List<byte[]> subtrees;

    private MerkleFrontier(long size, List<byte[]> subtrees)
    {
        Size = size;
        this.subtrees = subtrees;
    }

    public static MerkleFrontier Empty { get; } = new(0, []);

    public long Size { get; }

    /// <summary>The subtree roots as lowercase hex, largest first: what the log stores beside its tree head.</summary>
    public IReadOnlyList<string> ToHex() => [.. subtrees.Select(Convert.ToHexStringLower)];

    /// <summary>A frontier of <paramref name="size"/> leaves from its stored hex; false when the count does not fit the size.</summary>
    public static bool TryParse(long size, IReadOnlyList<string>? hex, out MerkleFrontier frontier)
    {
        frontier = Empty;
        if (size < 0 || hex is null || hex.Count != BitOperations.PopCount((ulong)size)
            || hex.Any(h => h is null || h.Length != MerkleTree.HashSize * 2 || !h.All(char.IsAsciiHexDigitLower)))
        {
            return false;
        }

        frontier = new MerkleFrontier(size, [.. hex.Select(Convert.FromHexString)]);
        return true;
    }

    /// <summary>The frontier after one more leaf: equal-sized subtrees merge, like a carry in binary addition.</summary>
    public MerkleFrontier Append(ReadOnlySpan<byte> leafHash)
    {
        var next = new List<byte[]>(subtrees) { leafHash.ToArray() };
        for (var carried = Size; (carried & 1) == 1; carried >>= 1)
        {
            var right = next[^1];
            var left = next[^2];
            next.RemoveRange(next.Count - 2, 2);
            next.Add(MerkleTree.HashChildren(left, right));
        }

        return new MerkleFrontier(Size + 1, next);
    }

    /// <summary>The tree's root: the subtree roots folded from the right (the RFC's split at the largest power of two).</summary>
    public byte[] Root()
    {
        if (subtrees.Count == 0)
        {
            return MerkleTree.Root([]);
        }

        var root = subtrees[^1];
        for (var i = subtrees.Count - 2; i >= 0; i--)
        {
            root = MerkleTree.HashChildren(subtrees[i], root);
        }

        return root;
    }
}

using System.Numerics;
using System.Security.Cryptography;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// The Merkle tree of RFC 9162 §2.1 over SHA-256: leaf hash SHA-256(0x00 || leaf), node hash
/// SHA-256(0x01 || left || right), n leaves split at the largest power of two smaller than n. Inclusion and
/// consistency proofs and their verification follow §2.1.3 and §2.1.4; paths list hashes from the leaf level up.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = 32;

    public static byte[] HashLeaf(ReadOnlySpan<byte> leaf)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x00]);
        hash.AppendData(leaf);
        return hash.GetHashAndReset();
    }

    public static byte[] HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x01]);
        hash.AppendData(left);
        hash.AppendData(right);
        return hash.GetHashAndReset();
    }

    /// <summary>MTH of the leaves whose hashes are given; the empty tree's root is SHA-256 of nothing.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        return leafHashes.Count == 0 ? SHA256.HashData(ReadOnlySpan<byte>.Empty) : Subtree(leafHashes, 0, leafHashes.Count);
    }

    /// <summary>PATH(index, D[n]): the sibling hashes from leaf <paramref name="index"/> up to the root.</summary>
    public static IReadOnlyList<byte[]> InclusionPath(IReadOnlyList<byte[]> leafHashes, int index)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leafHashes.Count);
        var path = new List<byte[]>();
        AddPath(leafHashes, index, 0, leafHashes.Count, path);
        return path;
    }

    /// <summary>§2.1.3.2: whether <paramref name="path"/> proves <paramref name="leafHash"/> is leaf <paramref name="index"/> of the tree of <paramref name="size"/> leaves with <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (index < 0 || index >= size || leafHash.Length != HashSize || root.Length != HashSize || path.Any(p => p is null || p.Length != HashSize))
        {
            return false;
        }

        var (fn, sn) = (index, size - 1);
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = HashChildren(p, r);
                // A right edge node with no sibling at these levels: climb to where it is a right child.
                while ((fn & 1) == 0 && fn != 0)
                {
                    (fn, sn) = (fn >> 1, sn >> 1);
                }
            }
            else
            {
                r = HashChildren(r, p);
            }

            (fn, sn) = (fn >> 1, sn >> 1);
        }

        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>PROOF(oldSize, D[n]) of §2.1.4.1 for 0 &lt; oldSize &lt;= n (empty when the sizes are equal).</summary>
    public static IReadOnlyList<byte[]> ConsistencyPath(IReadOnlyList<byte[]> leafHashes, int oldSize)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        ArgumentOutOfRangeException.ThrowIfLessThan(oldSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, leafHashes.Count);
        var path = new List<byte[]>();
        AddSubproof(leafHashes, oldSize, 0, leafHashes.Count, true, path);
        return path;
    }

    /// <summary>§2.1.4.2: whether <paramref name="path"/> proves the tree of <paramref name="oldSize"/> leaves with <paramref name="oldRoot"/> is a prefix of the tree of <paramref name="newSize"/> leaves with <paramref name="newRoot"/>.</summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (oldSize < 1 || oldSize > newSize || oldRoot.Length != HashSize || newRoot.Length != HashSize || path.Any(p => p is null || p.Length != HashSize))
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return path.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        if (path.Count == 0)
        {
            return false;
        }

        // When the old tree is a complete subtree its root is the proof's first node, which the path leaves out.
        var nodes = BitOperations.IsPow2(oldSize) ? path.Prepend(oldRoot.ToArray()).ToList() : [.. path];
        var (fn, sn) = (oldSize - 1, newSize - 1);
        while ((fn & 1) == 1)
        {
            (fn, sn) = (fn >> 1, sn >> 1);
        }

        var (fr, sr) = (nodes[0], nodes[0]);
        foreach (var c in nodes.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                (fr, sr) = (HashChildren(c, fr), HashChildren(c, sr));
                while ((fn & 1) == 0 && fn != 0)
                {
                    (fn, sn) = (fn >> 1, sn >> 1);
                }
            }
            else
            {
                sr = HashChildren(sr, c);
            }

            (fn, sn) = (fn >> 1, sn >> 1);
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(oldRoot) && sr.AsSpan().SequenceEqual(newRoot);
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n &gt;= 2): where the tree splits.</summary>
    internal static int SplitPoint(int n) => 1 << BitOperations.Log2((uint)(n - 1));

    private static byte[] Subtree(IReadOnlyList<byte[]> leafHashes, int start, int count)
    {
        if (count == 1)
        {
            return leafHashes[start];
        }

        var k = SplitPoint(count);
        return HashChildren(Subtree(leafHashes, start, k), Subtree(leafHashes, start + k, count - k));
    }

    private static void AddPath(IReadOnlyList<byte[]> leafHashes, int index, int start, int count, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }

        var k = SplitPoint(count);
        if (index < k)
        {
            AddPath(leafHashes, index, start, k, path);
            path.Add(Subtree(leafHashes, start + k, count - k));
        }
        else
        {
            AddPath(leafHashes, index - k, start + k, count - k, path);
            path.Add(Subtree(leafHashes, start, k));
        }
    }

    private static void AddSubproof(IReadOnlyList<byte[]> leafHashes, int oldSize, int start, int count, bool known, List<byte[]> path)
    {
        if (oldSize == count)
        {
            if (!known)
            {
                path.Add(Subtree(leafHashes, start, count));
            }

            return;
        }

        var k = SplitPoint(count);
        if (oldSize <= k)
        {
            AddSubproof(leafHashes, oldSize, start, k, known, path);
            path.Add(Subtree(leafHashes, start + k, count - k));
        }
        else
        {
            AddSubproof(leafHashes, oldSize - k, start + k, count - k, false, path);
            path.Add(Subtree(leafHashes, start, k));
        }
    }
}

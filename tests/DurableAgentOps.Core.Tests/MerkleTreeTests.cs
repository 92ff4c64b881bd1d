using System.Security.Cryptography;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Core.Tests;

/// <summary>The RFC 9162 tree against trees written out by hand, and proofs against random trees.</summary>
public sealed class MerkleTreeTests
{
    private const int Seed = 9162;

    private static readonly byte[][] L = [.. Enumerable.Range(0, 8).Select(i => MerkleTree.HashLeaf([(byte)i]))];

    private static byte[] N(byte[] left, byte[] right) => MerkleTree.HashChildren(left, right);

    private static byte[][] Leaves(int n) => L[..n];

    /// <summary>Each tree of 1..8 leaves, split at the largest power of two below n (RFC 9162 §2.1.1).</summary>
    public static TheoryData<int, string> HandTrees()
    {
        var n01 = N(L[0], L[1]);
        var n0123 = N(n01, N(L[2], L[3]));
        var trees = new[]
        {
            L[0],
            n01,
            N(n01, L[2]),
            n0123,
            N(n0123, L[4]),
            N(n0123, N(L[4], L[5])),
            N(n0123, N(N(L[4], L[5]), L[6])),
            N(n0123, N(N(L[4], L[5]), N(L[6], L[7]))),
        };
        var data = new TheoryData<int, string>();
        for (var i = 0; i < trees.Length; i++)
        {
            data.Add(i + 1, Convert.ToHexStringLower(trees[i]));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HandTrees))]
    public void Root_SmallTree_IsTheHandComputedRoot(int n, string root) =>
        Assert.Equal(root, Convert.ToHexStringLower(MerkleTree.Root(Leaves(n))));

    [Fact]
    public void HashLeafAndHashChildren_PrefixZeroAndOne()
    {
        Assert.Equal(SHA256.HashData([0x00, 0xAB]), MerkleTree.HashLeaf([0xAB]));
        Assert.Equal(SHA256.HashData([0x01, .. L[0], .. L[1]]), N(L[0], L[1]));
    }

    [Fact]
    public void Root_NoLeaves_IsSha256OfNothing() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(MerkleTree.Root([])));

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 4)]
    [InlineData(8, 4)]
    [InlineData(9, 8)]
    [InlineData(1025, 1024)]
    public void SplitPoint_IsTheLargestPowerOfTwoSmallerThanN(int n, int k) => Assert.Equal(k, MerkleTree.SplitPoint(n));

    public static TheoryData<int, byte[][]> HandInclusionPathsOfSeven()
    {
        var n45 = N(L[4], L[5]);
        var n0123 = N(N(L[0], L[1]), N(L[2], L[3]));
        return new TheoryData<int, byte[][]>
        {
            { 0, [L[1], N(L[2], L[3]), N(n45, L[6])] },
            { 3, [L[2], N(L[0], L[1]), N(n45, L[6])] },
            { 4, [L[5], L[6], n0123] },
            { 6, [n45, n0123] },
        };
    }

    [Theory]
    [MemberData(nameof(HandInclusionPathsOfSeven))]
    public void InclusionPath_TreeOfSeven_IsTheHandComputedPath(int index, byte[][] path)
    {
        Assert.Equal(path, MerkleTree.InclusionPath(Leaves(7), index));
        Assert.True(MerkleTree.VerifyInclusion(L[index], index, 7, path, MerkleTree.Root(Leaves(7))));
    }

    [Fact]
    public void InclusionPath_SingleLeaf_IsEmptyAndVerifiesAgainstTheLeafHash()
    {
        Assert.Empty(MerkleTree.InclusionPath(Leaves(1), 0));
        Assert.True(MerkleTree.VerifyInclusion(L[0], 0, 1, [], L[0]));
        Assert.False(MerkleTree.VerifyInclusion(L[0], 0, 1, [L[1]], L[0]));
    }

    /// <summary>The consistency proofs of RFC 6962 §2.1.3's example tree of seven leaves: [c, d, g, l], [l], [i, j, k].</summary>
    public static TheoryData<int, byte[][]> HandConsistencyPathsToSeven()
    {
        var (g, i, j, k) = (N(L[0], L[1]), N(L[4], L[5]), L[6], N(N(L[0], L[1]), N(L[2], L[3])));
        var l = N(i, j);
        return new TheoryData<int, byte[][]>
        {
            { 3, [L[2], L[3], g, l] },
            { 4, [l] },
            { 6, [i, j, k] },
            { 7, [] },
        };
    }

    [Theory]
    [MemberData(nameof(HandConsistencyPathsToSeven))]
    public void ConsistencyPath_ToSeven_IsTheRfcExamplesPath(int oldSize, byte[][] path)
    {
        Assert.Equal(path, MerkleTree.ConsistencyPath(Leaves(7), oldSize));
        Assert.True(MerkleTree.VerifyConsistency(oldSize, 7, MerkleTree.Root(Leaves(oldSize)), MerkleTree.Root(Leaves(7)), path));
    }

    [Fact]
    public void InclusionProofs_RandomTrees_EveryProofVerifiesAndNoAlteredOneDoes()
    {
        var random = new Random(Seed);
        var sizes = Enumerable.Range(1, 70).Concat(Enumerable.Range(0, 20).Select(_ => random.Next(71, 1500)));
        foreach (var n in sizes)
        {
            var leaves = RandomLeaves(random, n);
            var root = MerkleTree.Root(leaves);
            var indexes = n <= 70 ? Enumerable.Range(0, n) : Enumerable.Range(0, 12).Select(_ => random.Next(n)).Append(0).Append(n - 1);
            foreach (var index in indexes)
            {
                var path = MerkleTree.InclusionPath(leaves, index);
                var context = $"n={n}, index={index}";
                Assert.True(MerkleTree.VerifyInclusion(leaves[index], index, n, path, root), context);
                Assert.Equal(ExpectedPathLength(index, n), path.Count);

                Assert.False(MerkleTree.VerifyInclusion(Flip(leaves[index], random), index, n, path, root), context + ": changed leaf");
                Assert.False(MerkleTree.VerifyInclusion(leaves[(index + 1) % n], index, n, path, root) && n > 1, context + ": another leaf");
                foreach (var other in n <= 70 ? Enumerable.Range(0, n + 1).Where(o => o != index) : [(index + 1) % n, n])
                {
                    Assert.False(MerkleTree.VerifyInclusion(leaves[index], other, n, path, root), context + $": as index {other}");
                }

                // No size check here: a path does not commit to the size (index 0 of 3 and of 4 read alike); the signed
                // tree head does, so bundles compare the proof's size with it.
                Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, n, path, Flip(root, random)), context + ": other root");
                if (path.Count > 0)
                {
                    var altered = path.ToList();
                    var at = random.Next(altered.Count);
                    altered[at] = Flip(altered[at], random);
                    Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, n, altered, root), context + ": altered path");
                    Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, n, path.Take(path.Count - 1).ToList(), root), context + ": short path");
                }

                Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, n, [.. path, root], root), context + ": long path");
            }
        }
    }

    [Fact]
    public void ConsistencyProofs_RandomTrees_EveryProofVerifiesAndNoAlteredOneDoes()
    {
        var random = new Random(Seed + 1);
        var pairs = Enumerable.Range(1, 40).SelectMany(n => Enumerable.Range(1, n).Select(m => (m, n)))
            .Concat(Enumerable.Range(0, 40).Select(_ => random.Next(41, 1200)).Select(n => (random.Next(1, n + 1), n)));
        foreach (var (m, n) in pairs)
        {
            var leaves = RandomLeaves(random, n);
            var (oldRoot, newRoot) = (MerkleTree.Root(leaves[..m]), MerkleTree.Root(leaves));
            var path = MerkleTree.ConsistencyPath(leaves, m);
            var context = $"m={m}, n={n}";

            Assert.True(MerkleTree.VerifyConsistency(m, n, oldRoot, newRoot, path), context);
            Assert.False(MerkleTree.VerifyConsistency(m, n, Flip(oldRoot, random), newRoot, path), context + ": other old root");
            Assert.False(MerkleTree.VerifyConsistency(m, n, oldRoot, Flip(newRoot, random), path), context + ": other new root");
            if (m < n)
            {
                var forked = leaves.ToArray();
                forked[random.Next(m)] = Flip(forked[0], random);
                Assert.False(MerkleTree.VerifyConsistency(m, n, MerkleTree.Root(forked[..m]), newRoot, path), context + ": old tree not a prefix");
                Assert.False(MerkleTree.VerifyConsistency(m + 1, n, oldRoot, newRoot, path) && m + 1 < n, context + ": as m + 1");
                var altered = path.ToList();
                var at = random.Next(altered.Count);
                altered[at] = Flip(altered[at], random);
                Assert.False(MerkleTree.VerifyConsistency(m, n, oldRoot, newRoot, altered), context + ": altered path");
                Assert.False(MerkleTree.VerifyConsistency(m, n, oldRoot, newRoot, path.Take(path.Count - 1).ToList()), context + ": short path");
            }
        }
    }

    [Fact]
    public void VerifyConsistency_SizesOutOfOrderOrZero_Fails()
    {
        var root = MerkleTree.Root(Leaves(4));

        Assert.False(MerkleTree.VerifyConsistency(0, 4, MerkleTree.Root([]), root, []));
        Assert.False(MerkleTree.VerifyConsistency(5, 4, root, root, []));
        Assert.False(MerkleTree.VerifyConsistency(4, 4, root, root, [root]));
        Assert.False(MerkleTree.VerifyConsistency(3, 4, MerkleTree.Root(Leaves(3)), root, []));
    }

    private static byte[][] RandomLeaves(Random random, int n) =>
        [.. Enumerable.Range(0, n).Select(_ => { var bytes = new byte[8]; random.NextBytes(bytes); return MerkleTree.HashLeaf(bytes); })];

    private static byte[] Flip(byte[] hash, Random random)
    {
        var copy = hash.ToArray();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    /// <summary>How many siblings a leaf has on its way up, counted from the tree's shape.</summary>
    private static int ExpectedPathLength(int index, int n)
    {
        if (n == 1)
        {
            return 0;
        }

        var k = MerkleTree.SplitPoint(n);
        return 1 + (index < k ? ExpectedPathLength(index, k) : ExpectedPathLength(index - k, n - k));
    }
}

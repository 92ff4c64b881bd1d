using System.Security.Cryptography;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Core.Tests;

public sealed class MerkleFrontierTests
{
    [Fact]
    public void Append_OneLeafAtATime_RootAlwaysMatchesTheRootOverAllLeaves()
    {
        var leaves = Enumerable.Range(0, 70).Select(i => MerkleTree.HashLeaf(BitConverter.GetBytes(i))).ToList();
        var frontier = MerkleFrontier.Empty;
        Assert.Equal(MerkleTree.Root([]), frontier.Root());
        for (var n = 1; n <= leaves.Count; n++)
        {
            frontier = frontier.Append(leaves[n - 1]);

            Assert.Equal(n, frontier.Size);
            Assert.Equal(Convert.ToHexStringLower(MerkleTree.Root(leaves.Take(n).ToList())), Convert.ToHexStringLower(frontier.Root()));
        }
    }

    [Fact]
    public void TryParse_StoredHex_RoundTripsAndGrowsTheSame()
    {
        var frontier = MerkleFrontier.Empty;
        for (var i = 0; i < 13; i++)
        {
            frontier = frontier.Append(RandomNumberGenerator.GetBytes(32));
        }

        Assert.True(MerkleFrontier.TryParse(13, frontier.ToHex(), out var parsed));
        var leaf = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(frontier.Append(leaf).Root(), parsed.Append(leaf).Root());
    }

    [Theory]
    [InlineData(13, 2)] // 13 = 0b1101 has three subtrees
    [InlineData(4, 2)]
    [InlineData(-1, 0)]
    public void TryParse_CountNotFittingTheSize_IsRefused(long size, int subtrees)
    {
        var hex = Enumerable.Repeat(new string('a', 64), subtrees).ToList();

        Assert.False(MerkleFrontier.TryParse(size, hex, out _));
    }

    [Fact]
    public void TryParse_NotAHash_IsRefused() =>
        Assert.False(MerkleFrontier.TryParse(1, ["not-hex"], out _));
}

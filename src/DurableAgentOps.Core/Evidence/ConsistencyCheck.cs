namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// Whether today's signed log still holds a signed tree head seen before (one an investigator kept, or the latest in
/// the anchor store): the earlier head's signature, then the RFC 9162 consistency proof from it to today's head. A log
/// restored from an earlier copy is smaller (<see cref="EvidenceProblemKind.RolledBack"/>); one whose old leaves were
/// rewritten or removed fails the proof (<see cref="EvidenceProblemKind.NotExtension"/>). The runs that went missing
/// are named from leaves kept outside the log (the anchor store's), when those give the earlier head's root.
/// </summary>
public static class ConsistencyCheck
{
    /// <param name="what">What the earlier head is, for the messages: "the kept head", "the anchored head".</param>
    /// <param name="earlier">The head seen before, with its signature.</param>
    /// <param name="current">Today's signed tree head (its own signature is checked where it is read).</param>
    /// <param name="proof">The consistency proof from <paramref name="earlier"/>'s size to <paramref name="current"/>'s; null when there is none (the log is smaller).</param>
    /// <param name="leaves">Today's leaves, in index order.</param>
    /// <param name="keptLeaves">Leaves kept outside the log (any indexes), to name what went missing.</param>
    /// <param name="key">The key the earlier head must be signed with.</param>
    public static IReadOnlyList<EvidenceProblem> Check(
        string what, SignedTreeHead earlier, TreeHead current, ConsistencyProof? proof, IReadOnlyList<LogLeaf> leaves, IReadOnlyList<LogLeaf> keptLeaves, EvidencePublicKey key)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentNullException.ThrowIfNull(keptLeaves);
        ArgumentNullException.ThrowIfNull(key);
        if (!key.Verify(earlier.Head, earlier.Signature))
        {
            var named = earlier.KeyId == key.KeyId ? string.Empty : $" (it names key {earlier.KeyId})";
            return [new(EvidenceProblemKind.KeptHeadSignature, $"{what}'s signature does not verify with key {key.KeyId}{named}: it cannot vouch for anything")];
        }

        var old = earlier.Head;
        if (old.Size == 0)
        {
            return []; // every log extends the empty one
        }

        var earlierLeaves = Reconstruct(old, leaves, keptLeaves);
        var problems = new List<EvidenceProblem>();
        if (current.Size < old.Size)
        {
            var now = Runs(leaves.Take((int)Math.Min(current.Size, leaves.Count)));
            problems.Add(new(EvidenceProblemKind.RolledBack, earlierLeaves is null
                ? $"rolled back: the log has {current.Size} leaves, {what} had {old.Size}"
                : $"rolled back: the log has {Count(now, "run")} ({Count(current.Size, "leaf")}), {what} had {Count(Runs(earlierLeaves), "run")} ({Count(old.Size, "leaf")})"));
        }
        else if (proof is null || !proof.Proves(old, current))
        {
            problems.Add(new(EvidenceProblemKind.NotExtension,
                $"the log is not an extension of {what}: the consistency proof from its {old.Size} leaves to today's {current.Size} does not verify"));
        }
        else
        {
            return [];
        }

        problems.AddRange(Missing(what, earlierLeaves, leaves, keptLeaves, old.Size));
        return problems;
    }

    /// <summary>
    /// The earlier head's leaves: kept ones where there are, today's for the rest; null unless they give its root (then
    /// they are the leaves it signed, whoever stored them).
    /// </summary>
    private static List<LogLeaf>? Reconstruct(TreeHead old, IReadOnlyList<LogLeaf> leaves, IReadOnlyList<LogLeaf> keptLeaves)
    {
        if (old.Size > int.MaxValue)
        {
            return null;
        }

        var byIndex = keptLeaves.Where(l => l.Index < old.Size).GroupBy(l => l.Index).ToDictionary(g => g.Key, g => g.First());
        var rebuilt = new List<LogLeaf>();
        for (var i = 0; i < old.Size; i++)
        {
            var leaf = byIndex.GetValueOrDefault(i) ?? (i < leaves.Count && leaves[i].Index == i ? leaves[i] : null);
            if (leaf is null)
            {
                return null;
            }

            rebuilt.Add(leaf);
        }

        return Convert.ToHexStringLower(MerkleTree.Root(LogLeaf.Hashes(rebuilt))) == old.Root ? rebuilt : null;
    }

    /// <summary>The runs the earlier log named and today's names nowhere, and the leaves it held that today's log holds otherwise.</summary>
    private static IEnumerable<EvidenceProblem> Missing(string what, List<LogLeaf>? earlierLeaves, IReadOnlyList<LogLeaf> leaves, IReadOnlyList<LogLeaf> keptLeaves, long oldSize)
    {
        var proven = earlierLeaves is not null;
        var source = earlierLeaves ?? [.. keptLeaves.Where(l => l.Index < oldSize).OrderBy(l => l.Index)];
        var suffix = proven ? string.Empty : " (as the anchor store holds it; those leaves do not give its root)";
        var today = leaves.Select(l => l.RunId).ToHashSet(StringComparer.Ordinal);
        foreach (var run in source.Where(l => !today.Contains(l.RunId)).GroupBy(l => l.RunId, StringComparer.Ordinal))
        {
            var at = run.Max(l => l.Index);
            yield return new(EvidenceProblemKind.RunMissing, $"deleted run {run.Key}: {what} logs it at leaf {at}{suffix}, the log names it nowhere", run.Key);
        }

        foreach (var leaf in source.Where(l => today.Contains(l.RunId) && l.Index < leaves.Count && leaves[(int)l.Index].Index == l.Index
            && leaves[(int)l.Index].ToCanonicalJson() != l.ToCanonicalJson()))
        {
            yield return new(EvidenceProblemKind.NotExtension, $"run {leaf.RunId}: leaf {leaf.Index} of {what}'s log was its head {leaf.HeadHash}{suffix}; the log holds another leaf there", leaf.RunId);
        }
    }

    private static string Count(long n, string what) => n == 1 ? $"1 {what}" : $"{n} {(what == "leaf" ? "leaves" : what + "s")}";

    private static int Runs(IEnumerable<LogLeaf> leaves) => leaves.Select(l => l.RunId).Distinct(StringComparer.Ordinal).Count();
}

namespace DurableAgentOps.Core.Evidence;

/// <summary>Verifies evidence: one run's chain and head (<see cref="VerifyRun"/>), the whole log (<see cref="VerifyLog"/>).</summary>
public static class EvidenceVerifier
{
    /// <summary>
    /// Checks one run's records (in storage order) against each other, its head and the head's signature. The report's
    /// first problem is the first record changed, removed, inserted or reordered, else a head problem (docs/EVIDENCE.md).
    /// </summary>
    /// <remarks><paramref name="runId"/> is the run the records must belong to; by default the one most records name (else the head's).</remarks>
    public static EvidenceReport VerifyRun(IReadOnlyList<StoredRecord> asStored, RunHead? head, string? headSignature, EvidencePublicKey publicKey, string? runId = null)
    {
        ArgumentNullException.ThrowIfNull(asStored);
        ArgumentNullException.ThrowIfNull(publicKey);
        return RunCheck.Verify(asStored, head, headSignature, publicKey, runId);
    }

    /// <summary>
    /// Checks the log: the leaves (in index order) hash to the signed tree head, which verifies; then, per run, its
    /// latest leaf. A tombstone marks the run purged. Otherwise the run's evidence must exist, its current head must be
    /// the one that leaf names (or be newer than the tree head: not logged yet), and its records must verify. Earlier
    /// leaves of a run name heads the run no longer keeps, so only the tree's root holds them.
    /// </summary>
    public static LogReport VerifyLog(IReadOnlyList<LogLeaf> leaves, TreeHead signedHead, string? treeHeadSignature, EvidencePublicKey publicKey, Func<string, RunEvidence?> lookup)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentNullException.ThrowIfNull(signedHead);
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(lookup);
        var problems = new List<EvidenceProblem>();
        var sound = new List<LogLeaf>();
        for (var i = 0; i < leaves.Count; i++)
        {
            if (leaves[i].Index != i)
            {
                problems.Add(new(EvidenceProblemKind.LogMalformed, $"log leaf at position {i} has index {leaves[i].Index}"));
            }
            else if (leaves[i].Problem() is { } problem)
            {
                problems.Add(new(EvidenceProblemKind.LogMalformed, $"log leaf {i}: {problem}"));
            }
            else
            {
                sound.Add(leaves[i]);
            }
        }

        var root = Convert.ToHexStringLower(MerkleTree.Root(LogLeaf.Hashes(leaves)));
        if (signedHead.Size != leaves.Count)
        {
            problems.Add(new(EvidenceProblemKind.TreeHeadMismatch, $"tree head does not match: it covers {signedHead.Size} leaves, the log holds {leaves.Count}"));
        }
        else if (root != signedHead.Root)
        {
            problems.Add(new(EvidenceProblemKind.TreeHeadMismatch, $"tree head does not match: the leaves hash to {root}, the tree head names {signedHead.Root}"));
        }

        if (!publicKey.Verify(signedHead, treeHeadSignature))
        {
            problems.Add(new(EvidenceProblemKind.TreeHeadSignature, "tree head signature does not verify"));
        }

        var purged = new List<PurgedRun>();
        var verified = 0;
        foreach (var run in sound.GroupBy(l => l.RunId, StringComparer.Ordinal).OrderBy(g => g.Max(l => l.Index)))
        {
            var latest = run.MaxBy(l => l.Index)!;
            if (latest.IsTombstone)
            {
                purged.Add(new PurgedRun(run.Key, latest.HeadHash, latest.Retention!, latest.Index));
                continue;
            }

            problems.AddRange(VerifyLogged(run.Key, latest, run.FirstOrDefault(l => l.IsTombstone), signedHead, publicKey, lookup(run.Key)));
            verified++;
        }

        return new LogReport(problems, purged, verified);
    }

    private static IEnumerable<EvidenceProblem> VerifyLogged(string runId, LogLeaf latest, LogLeaf? tombstone, TreeHead signedHead, EvidencePublicKey publicKey, RunEvidence? evidence)
    {
        EvidenceProblem Problem(EvidenceProblemKind kind, string message) => new(kind, $"run {runId}: {message}", runId);

        if (tombstone is not null)
        {
            yield return Problem(EvidenceProblemKind.LogMalformed, $"logged at leaf {latest.Index} after its purge at leaf {tombstone.Index}");
        }

        if (evidence is null || (evidence.Records.Count == 0 && evidence.Head is null))
        {
            yield return new(EvidenceProblemKind.RunMissing, $"missing run {runId}: leaf {latest.Index} names it but no evidence is stored", runId);
            yield break;
        }

        if (evidence.Head is { } head && head.Hash != latest.HeadHash)
        {
            yield return head.At > signedHead.At
                ? Problem(EvidenceProblemKind.NotLogged, $"its head (seq {head.LastSeq}, {EvidenceFormat.Time(head.At)}) is newer than the signed tree head ({EvidenceFormat.Time(signedHead.At)}): not logged yet")
                : Problem(EvidenceProblemKind.LeafMismatch, $"its head does not match leaf {latest.Index}: the log names {latest.HeadHash}, the head hashes to {head.Hash}");
        }

        foreach (var problem in RunCheck.Verify(evidence.Records, evidence.Head, evidence.HeadSignature, publicKey, runId).Problems)
        {
            yield return problem with { Message = $"run {runId}: {problem.Message}" };
        }
    }
}

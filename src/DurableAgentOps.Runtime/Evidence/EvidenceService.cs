using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Validation;
using DurableAgentOps.Runtime.Stores;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// What investigators read, written once for both hosts and the CLI's server side: a run's stored evidence, its
/// verification against the run head and the signed log, its export bundle, the whole log's verification.
/// </summary>
public sealed class EvidenceService(EvidenceLedger ledger, EvidenceKeys keys, EvidenceAnchors anchors, DefinitionStore definitions, TimeProvider time)
{
    /// <summary>What the anchored head is called in what verification says.</summary>
    public const string AnchoredHead = "the anchored head";

    /// <summary>
    /// Today's signed tree head; the RFC 9162 consistency proof to it from the tree of <paramref name="from"/> leaves (a
    /// head an investigator kept), null when the log holds fewer; the latest anchored head; and, with
    /// <paramref name="withAnchoredLeaves"/>, every leaf the anchor store keeps (they name what a rolled-back log lost).
    /// </summary>
    public async Task<LogHead> HeadAsync(long? from, bool withAnchoredLeaves, CancellationToken cancellationToken)
    {
        var anchor = await anchors.LatestAsync(cancellationToken); // before the log: an honest log is never behind what was read
        var log = await ledger.ReadLogAsync(cancellationToken);
        var proof = log.Head is { } tree && from is { } size ? ProofTo(tree, log.Leaves, size) : null;
        var kept = withAnchoredLeaves ? AnchoredLeaves(await anchors.AllAsync(cancellationToken)) : [];
        return new LogHead(log, await keys.PublicKeyAsync(cancellationToken), proof, anchor, kept);
    }

    /// <summary>The proof from the first <paramref name="oldSize"/> of the signed leaves to all of them; null when there is no such prefix.</summary>
    public static ConsistencyProof? ProofTo(TreeHead tree, IReadOnlyList<LogLeaf> leaves, long oldSize)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(leaves);
        return oldSize >= 1 && oldSize <= tree.Size && tree.Size <= leaves.Count ? ConsistencyProof.For([.. leaves.Take((int)tree.Size)], (int)oldSize) : null;
    }

    private static List<LogLeaf> AnchoredLeaves(IEnumerable<AnchoredHead> anchored) =>
        [.. anchored.SelectMany(a => a.Leaves).GroupBy(l => l.Index).Select(g => g.First()).OrderBy(l => l.Index)];

    /// <summary>The log against its latest anchored head (docs/EVIDENCE.md, "Anchors"): nothing when it extends it.</summary>
    private async Task<IReadOnlyList<EvidenceProblem>> AnchorProblemsAsync(AnchoredHead? anchor, TreeHead tree, IReadOnlyList<LogLeaf> leaves, EvidencePublicKey key, CancellationToken cancellationToken)
    {
        if (anchor is null)
        {
            return [];
        }

        var proof = ProofTo(tree, leaves, anchor.Signed.Head.Size);
        var problems = ConsistencyCheck.Check(AnchoredHead, anchor.Signed, tree, proof, leaves, [], key);
        return problems.Count == 0 ? problems
            : ConsistencyCheck.Check(AnchoredHead, anchor.Signed, tree, proof, leaves, AnchoredLeaves(await anchors.AllAsync(cancellationToken)), key);
    }

    public Task<StoredLog> ReadLogAsync(CancellationToken cancellationToken) => ledger.ReadLogAsync(cancellationToken);

    public Task<EvidencePublicKey> PublicKeyAsync(CancellationToken cancellationToken) => keys.PublicKeyAsync(cancellationToken);

    /// <summary>
    /// Verifies one run: its records against its signed head, and its head against its latest leaf in the signed log.
    /// A run whose evidence is gone is a break unless a tombstone says its retention passed; null when neither the
    /// ledger nor the log knows the run.
    /// </summary>
    public async Task<RunVerification?> VerifyRunAsync(string runId, CancellationToken cancellationToken) =>
        (await ReadVerifiedAsync(runId, cancellationToken)).Verification;

    /// <summary>The run's stored evidence and its verification (see <see cref="VerifyRunAsync"/>), read once.</summary>
    public async Task<(StoredRun? Stored, RunVerification? Verification)> ReadVerifiedAsync(string runId, CancellationToken cancellationToken)
    {
        var stored = await ledger.ReadRunAsync(runId, cancellationToken);
        var log = await ledger.ReadLogAsync(cancellationToken);
        if (stored is null && log.Leaves.All(l => l.RunId != runId))
        {
            return (null, null);
        }

        return (stored, Verify(runId, stored, log, await keys.PublicKeyAsync(cancellationToken)));
    }

    private static RunVerification Verify(string runId, StoredRun? stored, StoredLog log, EvidencePublicKey key) =>
        LoggedRunCheck.Verify(runId, stored is null ? null : new RunEvidence(stored.Records, stored.Head, stored.HeadSignature), log.Leaves, log.Head, log.HeadSignature, key);

    /// <summary>Verifies the whole log and every run it names, and any stored run it does not name.</summary>
    public async Task<(LogReport Report, IReadOnlyList<EvidenceProblem> Breaks, IReadOnlyList<string> Notes)> VerifyAllAsync(CancellationToken cancellationToken)
    {
        AnchoredHead? anchor;
        try
        {
            anchor = await anchors.LatestAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            var unread = new LogReport([new EvidenceProblem(EvidenceProblemKind.KeptHeadSignature, ex.Message)], [], 0);
            return (unread, unread.Problems, []);
        }

        var log = await ledger.ReadLogAsync(cancellationToken);
        var key = await keys.PublicKeyAsync(cancellationToken);
        var runs = new Dictionary<string, StoredRun?>(StringComparer.Ordinal);
        foreach (var runId in log.Leaves.Select(l => l.RunId).Distinct(StringComparer.Ordinal))
        {
            runs[runId] = await ledger.ReadRunAsync(runId, cancellationToken);
        }

        if (log.Head is not { } tree)
        {
            var empty = new LogReport([new EvidenceProblem(EvidenceProblemKind.TreeHeadMismatch, "the evidence log has no signed tree head")], [], 0);
            return (empty, empty.Problems, []);
        }

        var stored = (await ledger.SummariesAsync(cancellationToken)).Select(s => s.RunId);
        var (report, breaks, notes) = LoggedRunCheck.VerifyAll(log.Leaves, tree, log.HeadSignature, key,
            id => runs.GetValueOrDefault(id) is { } s ? new RunEvidence(s.Records, s.Head, s.HeadSignature) : null, stored);
        return (report, [.. await AnchorProblemsAsync(anchor, tree, log.Leaves, key, cancellationToken), .. breaks], notes);
    }

    /// <summary>The run's export bundle; null with a reason when it cannot be made yet (a head not in the log).</summary>
    public async Task<(EvidenceBundle? Bundle, string? Problem)> BundleAsync(string runId, CancellationToken cancellationToken)
    {
        var stored = await ledger.ReadRunAsync(runId, cancellationToken);
        if (stored is null)
        {
            return (null, null);
        }

        var log = await ledger.ReadLogAsync(cancellationToken);
        if (log.Head is not { } tree || log.HeadSignature is not { } treeSignature)
        {
            return (null, "the evidence log has no signed tree head yet");
        }

        var payloads = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var digest in stored.Records.Where(r => r.Record is not null).SelectMany(r => EvidencePayload.ReferencesIn(r.Record!.Data)).Distinct(StringComparer.Ordinal))
        {
            if (await ledger.PayloadAsync(runId, digest, cancellationToken) is { } bytes)
            {
                payloads[digest] = bytes;
            }
        }

        var latest = log.Leaves.LastOrDefault(l => l.RunId == runId);
        if (stored.Head is null || latest is null || latest.HeadHash != stored.Head.Hash)
        {
            return (null, $"run {runId} is still in progress (or its head does not match the log): a bundle proves a head the log holds; export it once the run has ended");
        }

        // The tree head must cover the leaf: leaves appended after the tree row was read are not in it.
        var leaves = log.Leaves.Take((int)tree.Size).ToList();
        if (latest.Index >= leaves.Count)
        {
            return (null, "the log's signed tree head does not cover this run's leaf yet; try again in a moment");
        }

        var run = new RunEvidence(stored.Records, stored.Head, stored.HeadSignature);
        return (EvidenceBundle.For(run, payloads, leaves, tree, treeSignature, await keys.PublicKeyAsync(cancellationToken)), null);
    }

    /// <summary>
    /// Decides whether the run's evidence may go (see <see cref="PurgeDecision"/>) and, unless <paramref name="dryRun"/>,
    /// deletes it, leaving a signed tombstone in the log. The retention is the one of the definition the run's signed
    /// run-start record names, the end the one of its signed final head: nothing an unsigned index row says.
    /// </summary>
    public async Task<PurgeDecision?> PurgeAsync(string runId, bool dryRun, CancellationToken cancellationToken)
    {
        var stored = await ledger.ReadRunAsync(runId, cancellationToken);
        return stored is null ? null
            : await PurgeAsync(runId, stored, await ledger.ReadLogAsync(cancellationToken), await keys.PublicKeyAsync(cancellationToken), dryRun, cancellationToken);
    }

    /// <summary>Every stored run whose retention has passed, purged (or only listed, with <paramref name="dryRun"/>); the log is read once.</summary>
    public async Task<IReadOnlyList<PurgeDecision>> PurgeExpiredAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var log = await ledger.ReadLogAsync(cancellationToken);
        var key = await keys.PublicKeyAsync(cancellationToken);
        var decisions = new List<PurgeDecision>();
        foreach (var (runId, _) in await ledger.SummariesAsync(cancellationToken))
        {
            if (await ledger.ReadRunAsync(runId, cancellationToken) is { } stored)
            {
                decisions.Add(await PurgeAsync(runId, stored, log, key, dryRun, cancellationToken));
            }
        }

        return decisions;
    }

    private async Task<PurgeDecision> PurgeAsync(string runId, StoredRun stored, StoredLog log, EvidencePublicKey key, bool dryRun, CancellationToken cancellationToken)
    {
        var decision = await DecideAsync(runId, stored, Verify(runId, stored, log, key), cancellationToken);
        if (!decision.Allowed || dryRun)
        {
            return decision;
        }

        await ledger.PurgeAsync(runId, decision.Retention!, cancellationToken);
        return decision with { Purged = true };
    }

    private async Task<PurgeDecision> DecideAsync(string runId, StoredRun stored, RunVerification verification, CancellationToken cancellationToken)
    {
        PurgeDecision Keep(string reason, string? retention = null, DateTimeOffset? until = null) => new(runId, false, reason, retention, until);

        if (stored.Head is not { Final: true } head)
        {
            return Keep("the run has not ended: its evidence is still being written");
        }

        if (!verification.IsIntact)
        {
            return Keep($"its evidence does not verify ({verification.Breaks[0].Message}); deleting it would destroy the proof");
        }

        var start = stored.Records.FirstOrDefault(r => r.Record is { Seq: 0, Kind: "run-start" })?.Record;
        if (start?.Data["workflow"]?.GetValue<string>() is not { } workflow || start.Data["definitionSha256"]?.GetValue<string>() is not { } sha)
        {
            return Keep("its run-start record names no workflow definition, so its retention is unknown");
        }

        string retention;
        try
        {
            retention = (await definitions.LoadAsync(workflow, sha, cancellationToken)).Definition.Evidence.Retention;
        }
        catch (DefinitionRefusedException ex)
        {
            return Keep($"its retention is unknown: {ex.Message}");
        }

        if (!IsoDuration.TryParse(retention, out var kept) || kept <= TimeSpan.Zero)
        {
            return Keep($"its workflow's retention '{retention}' is not a positive ISO 8601 duration");
        }

        var until = head.At + kept;
        return time.GetUtcNow() < until
            ? Keep($"its retention {retention} runs until {until.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)}", retention, until)
            : new PurgeDecision(runId, true, $"its retention {retention} ended {until.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)}", retention, until);
    }
}

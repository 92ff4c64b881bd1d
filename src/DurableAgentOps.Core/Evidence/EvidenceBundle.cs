using System.Diagnostics.CodeAnalysis;
using static DurableAgentOps.Core.Evidence.EvidenceProblemKind;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// One run's evidence exported for offline verification (format <see cref="FormatId"/>, docs/EVIDENCE.md): the stored
/// records, the payloads they reference, the signed run head, the signed tree head, the proof that the head is a leaf
/// of that tree and the public key. <see cref="Verify(string, EvidencePublicKey?)"/> needs nothing else; it proves the
/// bundle is intact under the key it carries, so compare <see cref="KeyId"/> with the key you trust (or pass it).
/// </summary>
public sealed class EvidenceBundle
{
    public const string FormatId = "durableagentops-evidence-bundle/1";

    public EvidenceBundle(string runId, IReadOnlyList<StoredRecord> records, IReadOnlyDictionary<string, byte[]> payloads, RunHead head,
        string headSignature, TreeHead treeHead, string treeHeadSignature, InclusionProof inclusion, EvidencePublicKey publicKey, string keyId)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(payloads);
        RunId = runId ?? throw new ArgumentNullException(nameof(runId));
        Records = [.. records];
        Payloads = new SortedDictionary<string, byte[]>(payloads.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), StringComparer.Ordinal);
        Head = head ?? throw new ArgumentNullException(nameof(head));
        HeadSignature = headSignature ?? throw new ArgumentNullException(nameof(headSignature));
        TreeHead = treeHead ?? throw new ArgumentNullException(nameof(treeHead));
        TreeHeadSignature = treeHeadSignature ?? throw new ArgumentNullException(nameof(treeHeadSignature));
        Inclusion = inclusion ?? throw new ArgumentNullException(nameof(inclusion));
        PublicKey = publicKey ?? throw new ArgumentNullException(nameof(publicKey));
        KeyId = keyId ?? throw new ArgumentNullException(nameof(keyId));
    }

    public string RunId { get; }

    public IReadOnlyList<StoredRecord> Records { get; }

    /// <summary>Digest (<c>sha256:&lt;hex&gt;</c>) to bytes, ordered by digest.</summary>
    public IReadOnlyDictionary<string, byte[]> Payloads { get; }

    public RunHead Head { get; }

    public string HeadSignature { get; }

    public TreeHead TreeHead { get; }

    public string TreeHeadSignature { get; }

    public InclusionProof Inclusion { get; }

    public EvidencePublicKey PublicKey { get; }

    public string KeyId { get; }

    /// <summary>
    /// The bundle of <paramref name="run"/> with its latest leaf in <paramref name="log"/> (all leaves, in order) proven
    /// in the tree <paramref name="treeHead"/> names. Payloads the records reference but <paramref name="payloads"/>
    /// lacks stay withheld.
    /// </summary>
    /// <exception cref="ArgumentException">The run has no head, or its latest leaf does not name its head.</exception>
    public static EvidenceBundle For(RunEvidence run, IReadOnlyDictionary<string, byte[]> payloads, IReadOnlyList<LogLeaf> log,
        TreeHead treeHead, string treeHeadSignature, EvidencePublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(publicKey);
        if (run.Head is not { } head || run.HeadSignature is not { } headSignature)
        {
            throw new ArgumentException("the run has no signed head to export", nameof(run));
        }

        var leaf = log.LastOrDefault(l => l.RunId == head.RunId);
        if (leaf is null || leaf.IsTombstone || leaf.HeadHash != head.Hash)
        {
            throw new ArgumentException($"the latest log leaf of run {head.RunId} does not name its current head: log the head first", nameof(log));
        }

        return new EvidenceBundle(head.RunId, run.Records, payloads, head, headSignature, treeHead, treeHeadSignature,
            InclusionProof.For(log, (int)leaf.Index), publicKey, publicKey.KeyId);
    }

    /// <summary>The bundle's one canonical text (indented, LF, ending in a newline); <see cref="Verify(string, EvidencePublicKey?)"/> accepts no other.</summary>
    public string ToJson() => EvidenceBundleJson.Write(this);

    public static bool TryParse(string? json, [NotNullWhen(true)] out EvidenceBundle? bundle, out string? error) =>
        EvidenceBundleJson.TryRead(json, out bundle, out error);

    /// <summary>
    /// Verifies a bundle's text: it must parse, be in its canonical form (so no byte of it can change unnoticed), and
    /// <see cref="Verify(EvidencePublicKey?)"/> must find nothing.
    /// </summary>
    public static EvidenceReport Verify(string? json, EvidencePublicKey? trustedKey = null)
    {
        if (!TryParse(json, out var bundle, out var error))
        {
            return new EvidenceReport([new EvidenceProblem(BundleMalformed, "not an evidence bundle: " + error)]);
        }

        var report = bundle.Verify(trustedKey);
        return bundle.ToJson() == json ? report
            : new EvidenceReport([.. report.Problems, new EvidenceProblem(BundleMalformed, "the bundle is not in its canonical form: it was re-formatted or edited", bundle.RunId)]);
    }

    /// <summary>
    /// Checks everything with nothing but the bundle: the key id, the record chain against the head and its signature,
    /// the payloads against their digests, the head's inclusion in the signed tree, and the tree head's signature.
    /// </summary>
    /// <remarks>Pass <paramref name="trustedKey"/> to also require the bundle be signed with that key.</remarks>
    public EvidenceReport Verify(EvidencePublicKey? trustedKey = null)
    {
        var problems = new List<EvidenceProblem>();
        void Add(EvidenceProblemKind kind, string message) => problems.Add(new EvidenceProblem(kind, message, RunId));

        if (KeyId != PublicKey.KeyId)
        {
            Add(KeyMismatch, $"key id {KeyId} does not match the public key (whose id is {PublicKey.KeyId})");
        }

        if (trustedKey is not null && !trustedKey.Spki.AsSpan().SequenceEqual(PublicKey.Spki))
        {
            Add(KeyMismatch, $"the bundle is signed with key {PublicKey.KeyId}, not the trusted key {trustedKey.KeyId}");
        }

        problems.AddRange(EvidenceVerifier.VerifyRun(Records, Head, HeadSignature, PublicKey, RunId).Problems);

        var referenced = Records.Where(r => r.Record is not null).SelectMany(r => EvidencePayload.ReferencesIn(r.Record!.Data)).ToHashSet(StringComparer.Ordinal);
        foreach (var (digest, bytes) in Payloads)
        {
            if (EvidencePayload.DigestOf(bytes) is var actual && actual != digest)
            {
                Add(PayloadMismatch, $"payload {digest} does not match its bytes (they hash to {actual})");
            }
            else if (!referenced.Contains(digest))
            {
                Add(PayloadUnreferenced, $"payload {digest} is referenced by no record");
            }
        }

        if (Inclusion.TreeSize != TreeHead.Size)
        {
            Add(NotInTree, $"head is not in the signed tree: the proof is for a tree of {Inclusion.TreeSize} leaves, the tree head's has {TreeHead.Size}");
        }
        else if (!Inclusion.Proves(LogLeaf.ForHead(Inclusion.LeafIndex, Head), TreeHead))
        {
            Add(NotInTree, $"head is not in the signed tree: the inclusion proof for leaf {Inclusion.LeafIndex} does not verify");
        }

        if (!PublicKey.Verify(TreeHead, TreeHeadSignature))
        {
            Add(EvidenceProblemKind.TreeHeadSignature, "tree head signature does not verify");
        }

        return new EvidenceReport(problems);
    }

    /// <summary>Digests the records reference that the bundle does not carry (withheld: redacted or not exported).</summary>
    public IReadOnlyList<string> WithheldPayloads() =>
        [.. Records.Where(r => r.Record is not null).SelectMany(r => EvidencePayload.ReferencesIn(r.Record!.Data))
            .Distinct(StringComparer.Ordinal).Where(d => !Payloads.ContainsKey(d)).Order(StringComparer.Ordinal)];
}

using System.Security.Cryptography;
using System.Text;

namespace DurableAgentOps.Core.Evidence;

/// <summary>Signing heads with an <see cref="IEvidenceSigner"/>: SHA-256 of the canonical JSON, signed, base64url.</summary>
public static class EvidenceSigning
{
    public static Task<string> SignAsync(this IEvidenceSigner signer, RunHead head, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(head);
        return SignTextAsync(signer, head.ToCanonicalJson(), cancellationToken);
    }

    public static Task<string> SignAsync(this IEvidenceSigner signer, TreeHead head, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(head);
        return SignTextAsync(signer, head.ToCanonicalJson(), cancellationToken);
    }

    /// <summary>A run's search index row (<see cref="IndexSeal"/>): its canonical JSON, as heads are signed.</summary>
    public static Task<string> SignAsync(this IEvidenceSigner signer, IndexSeal seal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seal);
        return SignTextAsync(signer, seal.ToCanonicalJson(), cancellationToken);
    }

    /// <summary>
    /// A log leaf's row signature, over its index and canonical JSON: the next appender folds a leaf past the signed tree
    /// only if this host signed it there (someone with storage access cannot slip a leaf in for it to sign).
    /// </summary>
    public static Task<string> SignAsync(this IEvidenceSigner signer, LogLeaf leaf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        return SignTextAsync(signer, LeafText(leaf), cancellationToken);
    }

    internal static string LeafText(LogLeaf leaf) => $"leaf {leaf.Index}: {leaf.ToCanonicalJson()}";

    /// <exception cref="InvalidOperationException">The signer returned something its own public key does not verify.</exception>
    private static async Task<string> SignTextAsync(IEvidenceSigner signer, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var signature = await signer.SignDigestAsync(SHA256.HashData(Encoding.UTF8.GetBytes(text)), cancellationToken);
        var encoded = EvidenceFormat.Base64Url(signature ?? []);

        // A signer with the wrong key or format would leave heads nobody can verify: refuse it now, not at audit time.
        if (!EvidencePublicKey.FromSpki(signer.PublicKeySpki).Verify(text, encoded))
        {
            throw new InvalidOperationException($"signer {signer.KeyId} returned a signature its public key does not verify (expected 64-byte IEEE P1363 r||s)");
        }

        return encoded;
    }
}

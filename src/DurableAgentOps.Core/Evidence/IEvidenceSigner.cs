namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// Signs evidence heads with an ECDSA P-256 key. It signs a SHA-256 digest, as Azure Key Vault's <c>sign</c> operation
/// (ES256) does, and returns the IEEE P1363 signature (r || s, 64 bytes) Key Vault returns, so either a local key
/// (<see cref="PemEvidenceSigner"/>) or a Key Vault key can stand behind it.
/// </summary>
public interface IEvidenceSigner
{
    /// <summary>The key's id: <see cref="EvidencePublicKey.KeyIdOf"/> of <see cref="PublicKeySpki"/>.</summary>
    string KeyId { get; }

    /// <summary>The public key as DER SubjectPublicKeyInfo.</summary>
    byte[] PublicKeySpki { get; }

    /// <summary>The P1363 signature (64 bytes) of a 32-byte SHA-256 digest.</summary>
    Task<byte[]> SignDigestAsync(byte[] sha256Digest, CancellationToken cancellationToken);
}

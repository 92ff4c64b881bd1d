using System.Security.Cryptography;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// An <see cref="IEvidenceSigner"/> over a P-256 private key in PEM: PKCS#8 (<c>PRIVATE KEY</c>) or SEC1
/// (<c>EC PRIVATE KEY</c>, as <c>openssl ecparam -genkey</c> writes). For development and for hosts without Key Vault.
/// </summary>
public sealed class PemEvidenceSigner : IEvidenceSigner, IDisposable
{
    private readonly ECDsa key;
    private readonly byte[] spki;
    private readonly Lock signing = new(); // activities sign concurrently; an ECDsa instance promises no thread safety

    /// <exception cref="ArgumentException">Not an unencrypted P-256 private key PEM.</exception>
    public PemEvidenceSigner(string privateKeyPem)
    {
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        if (!PemEncoding.TryFind(privateKeyPem, out _) || !HasPrivateKey(privateKeyPem))
        {
            throw new ArgumentException("not a PRIVATE KEY or EC PRIVATE KEY PEM (an encrypted key must be decrypted first)", nameof(privateKeyPem));
        }

        key = ECDsa.Create();
        try
        {
            key.ImportFromPem(privateKeyPem);
            if (!EvidencePublicKey.IsP256(key))
            {
                throw new ArgumentException("the key is not on curve P-256", nameof(privateKeyPem));
            }
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new ArgumentException("not an EC private key: " + ex.Message, nameof(privateKeyPem), ex);
        }
        catch (ArgumentException)
        {
            key.Dispose();
            throw;
        }

        spki = key.ExportSubjectPublicKeyInfo();
        KeyId = EvidencePublicKey.KeyIdOf(spki);
    }

    public string KeyId { get; }

    public byte[] PublicKeySpki => [.. spki];

    public EvidencePublicKey PublicKey => EvidencePublicKey.FromSpki(spki);

    /// <summary>A new P-256 private key as PKCS#8 PEM.</summary>
    public static string NewPrivateKeyPem()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ecdsa.ExportPkcs8PrivateKeyPem();
    }

    public Task<byte[]> SignDigestAsync(byte[] sha256Digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256Digest);
        cancellationToken.ThrowIfCancellationRequested();
        if (sha256Digest.Length != MerkleTree.HashSize)
        {
            throw new ArgumentException("a SHA-256 digest is 32 bytes", nameof(sha256Digest));
        }

        lock (signing)
        {
            return Task.FromResult(key.SignHash(sha256Digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
    }

    public void Dispose() => key.Dispose();

    private static bool HasPrivateKey(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label] is "PRIVATE KEY" or "EC PRIVATE KEY")
            {
                return true;
            }

            rest = rest[fields.Location.End..];
        }

        return false;
    }
}

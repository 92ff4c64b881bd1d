using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// The ECDSA P-256 public key evidence heads are verified with, from its DER SubjectPublicKeyInfo or a
/// <c>PUBLIC KEY</c> PEM. Signatures are IEEE P1363 (r || s, 64 bytes) in unpadded base64url over the SHA-256 of a
/// head's canonical JSON.
/// </summary>
public sealed class EvidencePublicKey
{
    private const string PemLabel = "PUBLIC KEY";

    private readonly byte[] spki;

    private EvidencePublicKey(byte[] spki)
    {
        this.spki = spki;
        KeyId = KeyIdOf(spki);
    }

    /// <summary>The first 16 hex characters of SHA-256 over the DER SubjectPublicKeyInfo: stable for the key's life.</summary>
    public string KeyId { get; }

    public byte[] Spki => [.. spki];

    /// <summary>The short id of a public key: the first 16 lowercase hex characters of SHA-256(SPKI DER).</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> spki) => EvidenceFormat.Sha256Hex(spki)[..16];

    /// <summary>A P-256 key from its SPKI DER (the DER must be exactly the key's own encoding, uncompressed point).</summary>
    /// <exception cref="ArgumentException">Not a P-256 public key.</exception>
    public static EvidencePublicKey FromSpki(ReadOnlySpan<byte> spki) =>
        TryFromSpki(spki, out var key, out var error) ? key : throw new ArgumentException(error, nameof(spki));

    /// <exception cref="ArgumentException">Not a P-256 <c>PUBLIC KEY</c> PEM.</exception>
    public static EvidencePublicKey FromPem(string pem) =>
        TryFromPem(pem, out var key, out var error) ? key : throw new ArgumentException(error, nameof(pem));

    public static bool TryFromSpki(ReadOnlySpan<byte> spki, [NotNullWhen(true)] out EvidencePublicKey? key, out string? error)
    {
        key = null;
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(spki, out var read);
            error = read != spki.Length ? "the key has bytes after its DER"
                : !IsP256(ecdsa) ? "the key is not on curve P-256"
                : !ecdsa.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki) ? "the key is not in its plain DER form (uncompressed point)"
                : null;
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException)
        {
            // An unknown curve OID is "not supported" to the platform; to a verifier it is just not the key.
            error = "not a P-256 public key: " + ex.Message;
        }

        key = error is null ? new EvidencePublicKey(spki.ToArray()) : null;
        return key is not null;
    }

    public static bool TryFromPem(string? pem, [NotNullWhen(true)] out EvidencePublicKey? key, out string? error)
    {
        key = null;
        if (pem is null || !PemEncoding.TryFind(pem, out var fields))
        {
            error = "no PEM block";
            return false;
        }

        if (pem.AsSpan()[fields.Label] is not PemLabel)
        {
            error = $"the PEM block is not a {PemLabel}";
            return false;
        }

        var der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(pem.AsSpan()[fields.Base64Data], der, out var written))
        {
            error = "the PEM block is not base64";
            return false;
        }

        return TryFromSpki(der.AsSpan(0, written), out key, out error);
    }

    /// <summary>The key as a <c>PUBLIC KEY</c> PEM (64-character lines, LF).</summary>
    public string ToPem() => new(PemEncoding.Write(PemLabel, spki));

    /// <summary>Whether <paramref name="signature"/> (base64url P1363) signs the UTF-8 bytes of <paramref name="text"/>.</summary>
    public bool Verify(string text, string? signature)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (EvidenceFormat.FromBase64Url(signature) is not { Length: 64 } bytes)
        {
            return false;
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
        return ecdsa.VerifyData(Encoding.UTF8.GetBytes(text), bytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public bool Verify(RunHead head, string? signature)
    {
        ArgumentNullException.ThrowIfNull(head);
        return Verify(head.ToCanonicalJson(), signature);
    }

    public bool Verify(TreeHead head, string? signature)
    {
        ArgumentNullException.ThrowIfNull(head);
        return Verify(head.ToCanonicalJson(), signature);
    }

    public bool Verify(LogLeaf leaf, string? signature)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        return Verify(EvidenceSigning.LeafText(leaf), signature);
    }

    internal static bool IsP256(ECDsa ecdsa) =>
        ecdsa.KeySize == 256 && ecdsa.ExportParameters(false).Curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
}

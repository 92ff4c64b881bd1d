using System.Security.Cryptography;
using System.Text;
using DurableAgentOps.Core.Evidence;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests;

public sealed class EvidenceSigningTests
{
    private static readonly RunHead Head = HeadOf(Records(3));

    [Fact]
    public void RunHeadToCanonicalJson_IsSortedWithItsType()
    {
        var head = new RunHead(RunId, 2, new string('a', 64), 3, true, T0);

        Assert.Equal(
            "{\"at\":\"2026-03-01T09:00:00.000Z\",\"final\":true,\"lastHash\":\"" + new string('a', 64) +
            "\",\"lastSeq\":2,\"records\":3,\"run\":\"crm-followup-3f2a9c1d\",\"type\":\"run-head\",\"v\":1}",
            head.ToCanonicalJson());
        Assert.True(RunHead.TryParse(head.ToCanonicalJson(), out var read, out var error), error);
        Assert.Equal(head, read);
    }

    [Fact]
    public void TreeHeadToCanonicalJson_IsSortedWithItsType()
    {
        var head = new TreeHead(5, new string('b', 64), T0);

        Assert.Equal("{\"at\":\"2026-03-01T09:00:00.000Z\",\"root\":\"" + new string('b', 64) + "\",\"size\":5,\"type\":\"tree-head\",\"v\":1}", head.ToCanonicalJson());
        Assert.True(TreeHead.TryParse(head.ToCanonicalJson(), out var read, out var error), error);
        Assert.Equal(head, read);
    }

    [Theory]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"root\":\"#B\",\"size\":5,\"type\":\"run-head\",\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"root\":\"#B\",\"size\":-1,\"type\":\"tree-head\",\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"root\":\"#B\",\"size\":5,\"type\":\"tree-head\"}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"root\":\"#B\",\"size\":5,\"type\":\"tree-head\",\"v\":1,\"x\":0}")]
    public void TreeHeadTryParse_NotATreeHead_Fails(string json) =>
        Assert.False(TreeHead.TryParse(json.Replace("#B", new string('b', 64), StringComparison.Ordinal), out _, out _));

    [Fact]
    public void RunHeadTryParse_ATreeHead_Fails() =>
        Assert.False(RunHead.TryParse(new TreeHead(1, new string('b', 64), T0).ToCanonicalJson(), out _, out _));

    [Fact]
    public async Task SignAsync_RunHead_Is64ByteP1363OverTheCanonicalBytesInUnpaddedBase64Url()
    {
        var signature = await Signer.SignAsync(Head, CancellationToken.None);
        var bytes = Convert.FromBase64String(signature.Replace('-', '+').Replace('_', '/') + "==");

        Assert.Equal(86, signature.Length);
        Assert.DoesNotContain("=", signature, StringComparison.Ordinal);
        Assert.Equal(64, bytes.Length);
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Signer.PublicKeySpki, out _);
        Assert.True(ecdsa.VerifyData(Encoding.UTF8.GetBytes(Head.ToCanonicalJson()), bytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.True(Key.Verify(Head, signature));
    }

    [Fact]
    public async Task Verify_RunHeadSignatureOfferedForATreeHead_DoesNotVerify()
    {
        var tree = new TreeHead(1, new string('b', 64), T0);

        Assert.False(Key.Verify(tree, await Signer.SignAsync(Head, CancellationToken.None)));
    }

    [Fact]
    public void KeyId_IsTheFirst16HexOfSha256OverTheSpki()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(Signer.PublicKeySpki))[..16];

        Assert.Equal(expected, Signer.KeyId);
        Assert.Equal(expected, Key.KeyId);
        Assert.Equal(expected, EvidencePublicKey.FromPem(Key.ToPem()).KeyId);
    }

    [Fact]
    public void PublicKeyFromPem_WhatToPemWrites_IsTheSameKey()
    {
        var pem = Key.ToPem();

        Assert.StartsWith("-----BEGIN PUBLIC KEY-----\n", pem, StringComparison.Ordinal);
        Assert.Equal(Key.Spki, EvidencePublicKey.FromPem(pem).Spki);
        Assert.Equal(Key.Spki, EvidencePublicKey.FromSpki(Key.Spki).Spki);
    }

    [Fact]
    public async Task PemEvidenceSigner_Sec1KeyAsOpensslEcparamWritesIt_SignsVerifiably()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // `openssl ecparam -name prime256v1 -genkey` writes the curve's parameters block before the key.
        var pem = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + ecdsa.ExportECPrivateKeyPem();
        using var signer = new PemEvidenceSigner(pem);

        Assert.Equal(ecdsa.ExportSubjectPublicKeyInfo(), signer.PublicKeySpki);
        Assert.True(signer.PublicKey.Verify(Head, await signer.SignAsync(Head, CancellationToken.None)));
    }

    [Fact]
    public async Task PemEvidenceSigner_Pkcs8Key_SignsVerifiably()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signer = new PemEvidenceSigner(ecdsa.ExportPkcs8PrivateKeyPem());

        Assert.True(EvidencePublicKey.FromSpki(ecdsa.ExportSubjectPublicKeyInfo()).Verify(Head, await signer.SignAsync(Head, CancellationToken.None)));
    }

    public static TheoryData<string> NotAP256PrivateKey()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        return
        [
            p384.ExportPkcs8PrivateKeyPem(),
            p256.ExportSubjectPublicKeyInfoPem(),
            p256.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)),
            rsa.ExportPkcs8PrivateKeyPem(),
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "no pem at all",
        ];
    }

    [Theory]
    [MemberData(nameof(NotAP256PrivateKey))]
    public void PemEvidenceSigner_NotAnUnencryptedP256PrivateKey_IsRefused(string pem) =>
        Assert.Throws<ArgumentException>(() => new PemEvidenceSigner(pem));

    [Fact]
    public void PublicKeyTryFromSpki_OtherCurveTrailingBytesOrCompressedPoint_IsRefused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var spki = Key.Spki;
        var compressed = CompressedSpki(spki);

        Assert.False(EvidencePublicKey.TryFromSpki(p384.ExportSubjectPublicKeyInfo(), out _, out var curve));
        Assert.Contains("P-256", curve, StringComparison.Ordinal);
        Assert.False(EvidencePublicKey.TryFromSpki([.. spki, 0], out _, out _));
        Assert.False(EvidencePublicKey.TryFromSpki(compressed, out _, out _));
        Assert.False(EvidencePublicKey.TryFromSpki([1, 2, 3], out _, out _));
        Assert.False(EvidencePublicKey.TryFromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", out _, out _));
    }

    [Fact]
    public void PublicKeyTryFromSpki_EveryByteOfTheKeyChanged_NeverThrowsAndIsNeverTheKey()
    {
        var spki = Key.Spki;
        for (var i = 0; i < spki.Length; i++)
        {
            foreach (var bit in new[] { 0x01, 0x02, 0x10, 0x80 })
            {
                var changed = spki.ToArray();
                changed[i] ^= (byte)bit;
                var taken = EvidencePublicKey.TryFromSpki(changed, out var key, out var error);
                Assert.True(taken ? key!.KeyId != Key.KeyId : error is not null, $"byte {i} bit {bit}");
            }
        }
    }

    [Fact]
    public async Task SignAsync_SignerReturningDer_IsRefusedBeforeAnythingIsStored()
    {
        var signer = new DerSigner();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => signer.SignAsync(Head, CancellationToken.None));
        Assert.Contains("P1363", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignAsync_SignerWhosePublicKeyIsAnothers_IsRefused()
    {
        using var other = new PemEvidenceSigner(PemEvidenceSigner.NewPrivateKeyPem());

        await Assert.ThrowsAsync<InvalidOperationException>(() => new MismatchedSigner(other).SignAsync(Head, CancellationToken.None));
    }

    [Fact]
    public async Task SignDigestAsync_NotADigest_IsRefused() =>
        await Assert.ThrowsAsync<ArgumentException>(() => Signer.SignDigestAsync(new byte[31], CancellationToken.None));

    /// <summary>SPKI with the point in compressed form (0x02/0x03 || x): a valid encoding the verifier does not take.</summary>
    private static byte[] CompressedSpki(byte[] spki)
    {
        // SEQUENCE { AlgorithmIdentifier (bytes 2..22 of the uncompressed form), BIT STRING { 0x02|odd(y), x } }
        var point = spki[^65..];
        return [0x30, 0x39, .. spki[2..23], 0x03, 0x22, 0x00, (byte)(0x02 | (point[64] & 1)), .. point[1..33]];
    }

    /// <summary>A signer that returns DER (as some HSM APIs do), not P1363.</summary>
    private sealed class DerSigner : IEvidenceSigner
    {
        public string KeyId => Signer.KeyId;

        public byte[] PublicKeySpki => Signer.PublicKeySpki;

        public async Task<byte[]> SignDigestAsync(byte[] sha256Digest, CancellationToken cancellationToken)
        {
            return Der(await Signer.SignDigestAsync(sha256Digest, cancellationToken));
        }

        private static byte[] Der(byte[] p1363)
        {
            static byte[] Integer(ReadOnlySpan<byte> value)
            {
                var trimmed = value.TrimStart((byte)0).ToArray();
                byte[] body = trimmed.Length == 0 || (trimmed[0] & 0x80) != 0 ? [0, .. trimmed] : trimmed;
                return [0x02, (byte)body.Length, .. body];
            }

            byte[] sequence = [.. Integer(p1363.AsSpan(0, 32)), .. Integer(p1363.AsSpan(32))];
            return [0x30, (byte)sequence.Length, .. sequence];
        }
    }

    private sealed class MismatchedSigner(PemEvidenceSigner inner) : IEvidenceSigner
    {
        public string KeyId => Signer.KeyId;

        public byte[] PublicKeySpki => Signer.PublicKeySpki;

        public Task<byte[]> SignDigestAsync(byte[] sha256Digest, CancellationToken cancellationToken) => inner.SignDigestAsync(sha256Digest, cancellationToken);
    }
}

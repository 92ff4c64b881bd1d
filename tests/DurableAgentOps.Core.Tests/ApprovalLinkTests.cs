using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Core.Tests;

public sealed class ApprovalLinkTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly ApprovalLinkSigner Signer = new(Key);
    private static readonly ApprovalLinkClaims Claims = new("run-1", "manager-review", "write-followup", "t/bob", "email",
        new string('a', 64), "link-1", Now.AddHours(1).ToUnixTimeSeconds());

    [Fact]
    public void Verify_TokenItSigned_ReturnsTheClaims()
    {
        var problem = Signer.Verify(Signer.Sign(Claims), Now, out var claims);

        Assert.Equal(LinkProblem.None, problem);
        Assert.Equal(Claims, claims);
    }

    [Fact]
    public void Verify_AnyChangedCharacter_IsRefused()
    {
        var token = Signer.Sign(Claims);
        for (var i = 0; i < token.Length; i++)
        {
            var changed = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.NotEqual(LinkProblem.None, Signer.Verify(changed, Now, out var claims));
            Assert.Null(claims);
        }
    }

    [Fact]
    public void Verify_AnyFlippedByte_IsTampered()
    {
        var bytes = EvidenceFormat.FromBase64Url(Signer.Sign(Claims))!;
        for (var i = 1; i < bytes.Length; i++)
        {
            var flipped = bytes.ToArray();
            flipped[i] ^= 0x01;
            Assert.Equal(LinkProblem.Tampered, Signer.Verify(EvidenceFormat.Base64Url(flipped), Now, out var claims));
            Assert.Null(claims);
        }
    }

    [Fact]
    public void Sign_Token_CarriesNoReadableClaim()
    {
        var claims = Claims with { ApproverId = "0e000001-0000-4000-8000-000000000002", RunId = "crm-followup-0123456789ab" };
        var token = Signer.Sign(claims);
        var decoded = Encoding.Latin1.GetString(EvidenceFormat.FromBase64Url(token)!);

        foreach (var secret in new[] { claims.ApproverId, claims.RunId, claims.Gate, claims.StepId, claims.ChangeDigest[..16], claims.LinkId, "manager", "0e000001" })
        {
            Assert.DoesNotContain(secret, token, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, decoded, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain('.', token);
        Assert.NotEqual(token, Signer.Sign(claims)); // a fresh nonce each time: two links for the same claims do not match
    }

    [Fact]
    public void Verify_LegacyReadableTokenOfThisKey_IsStillAcceptedUntilItExpires()
    {
        var legacy = LegacyToken(Key, Claims);

        Assert.Equal(LinkProblem.None, Signer.Verify(legacy, Now, out var claims));
        Assert.Equal(Claims, claims);
        Assert.Equal(LinkProblem.Expired, Signer.Verify(legacy, Claims.Expires, out _));
    }

    [Fact]
    public void Verify_LegacyClaimsOfAnotherApproverWithTheOriginalSignature_IsTampered()
    {
        var token = LegacyToken(Key, Claims);
        var forged = LegacyToken(Key, Claims with { ApproverId = "t/mallory" });
        var spliced = forged[..forged.IndexOf('.', StringComparison.Ordinal)] + token[token.IndexOf('.', StringComparison.Ordinal)..];

        Assert.Equal(LinkProblem.Tampered, Signer.Verify(spliced, Now, out _));
    }

    [Fact]
    public void Verify_LegacyTokenOfAnotherKey_IsTampered() =>
        Assert.Equal(LinkProblem.Tampered, Signer.Verify(LegacyToken(new byte[32], Claims), Now, out _));

    [Fact]
    public void Verify_EverySpellingOfTheLastCharacterButTheIssuedOne_IsRefused()
    {
        // The signature's last base64url character carries unused low bits: other spellings decode to the same bytes.
        var token = Signer.Sign(Claims);
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var verified = Alphabet.Select(c => token[..^1] + c).Where(candidate => Signer.Verify(candidate, Now, out _) == LinkProblem.None).ToList();

        Assert.Equal([token], verified);
    }

    [Fact]
    public void Verify_TokenOfAnotherKey_IsTampered()
    {
        var other = new ApprovalLinkSigner(new byte[32]);

        Assert.Equal(LinkProblem.Tampered, Signer.Verify(other.Sign(Claims), Now, out _));
    }

    [Fact]
    public void Verify_AtOrAfterExpiry_IsExpired()
    {
        var token = Signer.Sign(Claims);

        Assert.Equal(LinkProblem.Expired, Signer.Verify(token, Claims.Expires, out var claims));
        Assert.Equal(Claims, claims); // the page still says which run and gate it was for
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-dot")]
    [InlineData("a.b.c")]
    [InlineData("!!!.???")]
    [InlineData("e30.")]
    public void Verify_NotAToken_IsMalformed(string token) =>
        Assert.Equal(LinkProblem.Malformed, Signer.Verify(token, Now, out _));

    [Fact]
    public void Verify_OverlongToken_IsMalformedWithoutHashingIt() =>
        Assert.Equal(LinkProblem.Malformed, Signer.Verify(new string('a', ApprovalLinkSigner.MaxTokenLength + 1), Now, out _));

    [Fact]
    public void Constructor_ShortKey_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new ApprovalLinkSigner(new byte[31]));

    [Fact]
    public void NewLinkId_IsRandomEachTime() =>
        Assert.Equal(100, Enumerable.Range(0, 100).Select(_ => ApprovalLinkSigner.NewLinkId()).Distinct().Count());

    /// <summary>A token as hosts issued them before tokens were opaque: readable claims, then their HMAC.</summary>
    private static string LegacyToken(byte[] key, ApprovalLinkClaims claims)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(claims);
        return EvidenceFormat.Base64Url(payload) + "." + EvidenceFormat.Base64Url(HMACSHA256.HashData(key, payload));
    }
}

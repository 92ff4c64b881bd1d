using DurableAgentOps.Core.Approvals;

namespace DurableAgentOps.Core.Tests;

public sealed class ApprovalLinkTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ApprovalLinkSigner Signer = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
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
    public void Verify_AnyChangedCharacterOfTheClaims_IsTampered()
    {
        var token = Signer.Sign(Claims);
        var body = token[..token.IndexOf('.', StringComparison.Ordinal)];
        for (var i = 0; i < body.Length; i++)
        {
            var changed = body[..i] + (body[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.NotEqual(LinkProblem.None, Signer.Verify(changed, Now, out var claims));
            Assert.Null(claims);
        }
    }

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
    public void Verify_ClaimsOfAnotherApproverWithTheOriginalSignature_IsTampered()
    {
        var token = Signer.Sign(Claims);
        var forged = Signer.Sign(Claims with { ApproverId = "t/mallory" });
        var spliced = forged[..forged.IndexOf('.', StringComparison.Ordinal)] + token[token.IndexOf('.', StringComparison.Ordinal)..];

        Assert.Equal(LinkProblem.Tampered, Signer.Verify(spliced, Now, out _));
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
}

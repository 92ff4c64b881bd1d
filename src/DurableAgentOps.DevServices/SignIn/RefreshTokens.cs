using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>What a refresh token is bound to: the person, the client, and when it was issued and expires.</summary>
internal sealed record RefreshGrant(string PersonId, string ClientId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// The delegated grants' refresh tokens: opaque random values, kept server side by their SHA-256 only (the value
/// itself is never stored or logged). As Entra ID's, a redeemed refresh token stays valid until it expires or the
/// person's sessions are revoked (the answer carries a new one as well): a client that lost the answer can try again.
/// </summary>
internal sealed class RefreshTokens
{
    private readonly ConcurrentDictionary<string, RefreshGrant> grants = new(StringComparer.Ordinal);

    public string Issue(RefreshGrant grant)
    {
        var value = "dev-rt." + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        grants[Hash(value)] = grant;
        return value;
    }

    /// <summary>The grant of <paramref name="value"/>, or null when it is unknown.</summary>
    public RefreshGrant? Find(string value) => grants.TryGetValue(Hash(value), out var grant) ? grant : null;

    private static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DurableAgentOps.DevServices.People;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>What an authorization code was issued for; the token request must match every part of it.</summary>
internal sealed record CodeGrant(
    string ClientId, string RedirectUri, DevPerson Person, RequestedScope Scope, string? Nonce, string CodeChallenge, DateTimeOffset AuthTime);

/// <summary>
/// Authorization codes: 32 random bytes (base64url), single use, valid for <see cref="Lifetime"/> by the injected
/// clock. Only a hash of each code is kept, and no code reaches a log.
/// </summary>
internal sealed class AuthorizationCodes(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, (CodeGrant Grant, DateTimeOffset Expires)> grants = new(StringComparer.Ordinal);

    public string Issue(CodeGrant grant)
    {
        var now = time.GetUtcNow();
        foreach (var expired in grants.Where(g => g.Value.Expires <= now).Select(g => g.Key).ToList())
        {
            grants.TryRemove(expired, out _);
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        grants[Hash(code)] = (grant, now + Lifetime);
        return code;
    }

    /// <summary>
    /// Takes the code's grant out, so any second use fails, whatever the first one's outcome (RFC 6749 4.1.2);
    /// null when the code is unknown, used or expired.
    /// </summary>
    public CodeGrant? Redeem(string code) =>
        grants.TryRemove(Hash(code), out var entry) && entry.Expires > time.GetUtcNow() ? entry.Grant : null;

    private static string Hash(string code) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}

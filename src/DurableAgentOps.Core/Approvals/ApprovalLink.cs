using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Core.Approvals;

/// <summary>
/// What an approval link is bound to: one run's gate, one change (its digest), the channel it was sent on, and — for a
/// personal link (email) — one approver principal; a channel link (a Teams card) names none and is good for any
/// approver of the gate who signs in (<see cref="ApproverId"/> is their directory object id). <see cref="LinkId"/>
/// makes each personal link single-use.
/// </summary>
public sealed record ApprovalLinkClaims(
    [property: JsonPropertyName("run")] string RunId,
    [property: JsonPropertyName("gate")] string Gate,
    [property: JsonPropertyName("step")] string StepId,
    [property: JsonPropertyName("sub")] string? ApproverId,
    [property: JsonPropertyName("ch")] string Channel,
    [property: JsonPropertyName("dig")] string ChangeDigest,
    [property: JsonPropertyName("lid")] string LinkId,
    [property: JsonPropertyName("exp")] long ExpiresAt)
{
    [JsonIgnore]
    public DateTimeOffset Expires => DateTimeOffset.FromUnixTimeSeconds(ExpiresAt);
}

/// <summary>Why a link was refused; each has its own page.</summary>
public enum LinkProblem
{
    None,
    Malformed,
    Tampered,
    Expired,
}

/// <summary>
/// Signed approval links: <c>base64url(claims JSON) . base64url(HMAC-SHA256(key, claims JSON))</c>. The signature is
/// checked in constant time before anything in the claims is believed; the key never leaves configuration.
/// </summary>
public sealed class ApprovalLinkSigner
{
    /// <summary>Shortest key accepted: 256 bits.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>Longest token read; a link is a few hundred characters.</summary>
    public const int MaxTokenLength = 2048;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    private readonly byte[] key;

    public ApprovalLinkSigner(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"the link signing key must be at least {MinKeyBytes} bytes", nameof(key));
        }

        this.key = [.. key];
    }

    public string Sign(ApprovalLinkClaims claims)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(claims, Json);
        return Base64Url(payload) + "." + Base64Url(HMACSHA256.HashData(key, payload));
    }

    /// <summary>The claims of a token signed with this key and not expired at <paramref name="now"/>, or the problem.</summary>
    public LinkProblem Verify(string? token, DateTimeOffset now, out ApprovalLinkClaims? claims)
    {
        claims = null;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || token.Split('.') is not [var body, var mac]
            || FromBase64Url(body) is not { } payload || FromBase64Url(mac) is not { } signature)
        {
            return LinkProblem.Malformed;
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, payload), signature))
        {
            return LinkProblem.Tampered;
        }

        try
        {
            claims = JsonSerializer.Deserialize<ApprovalLinkClaims>(payload, Json);
        }
        catch (JsonException)
        {
            return LinkProblem.Malformed;
        }

        // Signed is not the same as well formed (a key can sign anything): ids go into storage keys, the expiry into a date.
        if (claims is null || !IsId(claims.RunId) || string.IsNullOrEmpty(claims.Gate) || !IsId(claims.LinkId)
            || claims.ExpiresAt is < 0 || claims.ExpiresAt > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            claims = null;
            return LinkProblem.Malformed;
        }

        return claims.Expires <= now ? LinkProblem.Expired : LinkProblem.None;
    }

    /// <summary>A run or link id as the host issues them: 1-100 letters, digits, '-', '_', '.' or ':'.</summary>
    private static bool IsId(string? id) =>
        id is { Length: > 0 and <= 100 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary>A new link id: 128 random bits.</summary>
    public static string NewLinkId() => Base64Url(RandomNumberGenerator.GetBytes(16));

    // One spelling per token: a base64url text with stray bits in its last character would decode to the same bytes.
    private static string Base64Url(byte[] bytes) => EvidenceFormat.Base64Url(bytes);

    private static byte[]? FromBase64Url(string text) => EvidenceFormat.FromBase64Url(text);
}

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
/// Approval link tokens, opaque to whoever holds them: <c>base64url(version 2 ‖ nonce ‖ AES-256-GCM(claims JSON) ‖ tag)</c>
/// under a key derived (HKDF-SHA256) from the link signing key, so a forwarded mail or a scanner learns nothing from
/// the token itself (not the run, the gate, nor the approver's object id) and any change to it fails the tag.
/// Tokens of the earlier format (<c>base64url(claims JSON) . base64url(HMAC-SHA256(key, claims JSON))</c>, readable)
/// are still verified until they expire, as they were issued (docs/SECURITY.md, "Approval links"); none are issued.
/// Either way the claims are believed only after the key's check, and the key never leaves configuration.
/// </summary>
public sealed class ApprovalLinkSigner
{
    /// <summary>Shortest key accepted: 256 bits.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>Longest token read; a link is a few hundred characters.</summary>
    public const int MaxTokenLength = 2048;

    /// <summary>The first byte of an opaque token (and its associated data): the format, so a later one can be told apart.</summary>
    private const byte Version = 2;

    private const int NonceBytes = 12;

    private const int TagBytes = 16;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    private static readonly byte[] SealInfo = "DurableAgentOps approval link token v2"u8.ToArray();

    private readonly byte[] key;

    private readonly byte[] sealKey;

    public ApprovalLinkSigner(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"the link signing key must be at least {MinKeyBytes} bytes", nameof(key));
        }

        this.key = [.. key];
        // Its own key for sealing: the signing key is never used both for the legacy MAC and for encryption.
        sealKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, salt: [], info: SealInfo);
    }

    /// <summary>An opaque token for <paramref name="claims"/>: authenticated encryption with a fresh random nonce.</summary>
    public string Sign(ApprovalLinkClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var payload = JsonSerializer.SerializeToUtf8Bytes(claims, Json);
        var token = new byte[1 + NonceBytes + payload.Length + TagBytes];
        token[0] = Version;
        var nonce = token.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(sealKey, TagBytes);
        aes.Encrypt(nonce, payload, token.AsSpan(1 + NonceBytes, payload.Length), token.AsSpan(1 + NonceBytes + payload.Length, TagBytes), token.AsSpan(0, 1));
        return Base64Url(token);
    }

    /// <summary>The claims of a token issued with this key and not expired at <paramref name="now"/>, or the problem.</summary>
    public LinkProblem Verify(string? token, DateTimeOffset now, out ApprovalLinkClaims? claims)
    {
        claims = null;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return LinkProblem.Malformed;
        }

        var problem = token.Contains('.', StringComparison.Ordinal) ? OpenLegacy(token, out var payload) : Open(token, out payload);
        if (problem != LinkProblem.None)
        {
            return problem;
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

    /// <summary>An opaque token: its tag is checked (in constant time, by AES-GCM) before its claims are read.</summary>
    private LinkProblem Open(string token, out byte[] payload)
    {
        payload = [];
        if (FromBase64Url(token) is not { Length: > 1 + NonceBytes + TagBytes } sealedToken || sealedToken[0] != Version)
        {
            return LinkProblem.Malformed;
        }

        var length = sealedToken.Length - 1 - NonceBytes - TagBytes;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(sealKey, TagBytes);
            aes.Decrypt(sealedToken.AsSpan(1, NonceBytes), sealedToken.AsSpan(1 + NonceBytes, length), sealedToken.AsSpan(1 + NonceBytes + length, TagBytes),
                plain, sealedToken.AsSpan(0, 1));
        }
        catch (AuthenticationTagMismatchException)
        {
            return LinkProblem.Tampered;
        }

        payload = plain;
        return LinkProblem.None;
    }

    /// <summary>A token of the earlier, readable format (claims and HMAC), issued before tokens were opaque.</summary>
    private LinkProblem OpenLegacy(string token, out byte[] payload)
    {
        payload = [];
        if (token.Split('.') is not [var body, var mac] || FromBase64Url(body) is not { } signedPayload || FromBase64Url(mac) is not { } signature)
        {
            return LinkProblem.Malformed;
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, signedPayload), signature))
        {
            return LinkProblem.Tampered;
        }

        payload = signedPayload;
        return LinkProblem.None;
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

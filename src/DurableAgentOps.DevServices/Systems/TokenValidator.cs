using System.Text.Json;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>What a valid bearer token says about its caller. <see cref="Records"/> null: no record restriction.</summary>
internal sealed record CallerToken(
    IReadOnlyList<string> Audiences,
    string Subject,
    string? IdentityName,
    IReadOnlySet<string> Roles,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Records,
    IReadOnlySet<string> Fields);

/// <summary>
/// Validates the workload identity endpoint's bearer tokens: RS256 signature by the published keys, issuer, audience
/// (unless the caller checks it itself: null), lifetime.
/// </summary>
internal sealed class TokenValidator(SigningKey key, IOptions<DevServicesOptions> options)
{
    /// <summary>Clock skew tolerated on nbf/exp: 30 s, no more (the library's default is 5 min).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler handler = new() { MapInboundClaims = false };

    public async Task<(CallerToken? Caller, string? Reason)> ValidateAsync(string? authorization, string? audience)
    {
        const string scheme = "Bearer ";
        if (string.IsNullOrEmpty(authorization) || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return (null, "a bearer token is required (Authorization: Bearer <token>)");
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Value.Issuer,
            ValidAudience = audience,
            ValidateAudience = audience is not null,
            IssuerSigningKeys = key.ValidationKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
        };
        var result = await handler.ValidateTokenAsync(authorization[scheme.Length..].Trim(), parameters);
        if (!result.IsValid)
        {
            return (null, Explain(result.Exception, audience));
        }

        return Read((JsonWebToken)result.SecurityToken);
    }

    private static (CallerToken?, string?) Read(JsonWebToken token)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload));
        var root = payload.RootElement;
        var subject = root.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString() : null;
        if (string.IsNullOrEmpty(subject))
        {
            return (null, "the token has no subject");
        }

        var identity = root.TryGetProperty("idn", out var idn) && idn.ValueKind == JsonValueKind.String ? idn.GetString() : null;
        Dictionary<string, IReadOnlyList<string>>? records = null;
        if (root.TryGetProperty("xms_records", out var scope) && scope.ValueKind == JsonValueKind.Object)
        {
            records = scope.EnumerateObject().ToDictionary(p => p.Name, p => (IReadOnlyList<string>)Strings(p.Value).ToList(), StringComparer.Ordinal);
        }

        var roles = root.TryGetProperty("roles", out var r) ? Strings(r).ToHashSet(StringComparer.Ordinal) : [];
        var fields = root.TryGetProperty("xms_fields", out var f) ? Strings(f).ToHashSet(StringComparer.Ordinal) : [];
        return (new CallerToken([.. token.Audiences], subject, identity, roles, records, fields), null);
    }

    /// <summary>A claim may be one string or an array of strings (as in Entra ID tokens).</summary>
    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!),
        _ => [],
    };

    // The library hides details as PII by default; say what failed in our own words, never quoting the token.
    private static string Explain(Exception? exception, string? audience) => exception switch
    {
        SecurityTokenExpiredException expired => $"the token expired at {expired.Expires:O} (clock skew allowed: {ClockSkew.TotalSeconds} s)",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenInvalidLifetimeException => "the token's lifetime is invalid",
        SecurityTokenInvalidAudienceException => $"the token's audience is not {audience}",
        SecurityTokenInvalidIssuerException => "the token's issuer is not trusted",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature does not verify with the issuer's published keys",
        SecurityTokenInvalidAlgorithmException => "the token's signing algorithm is not RS256",
        SecurityTokenMalformedException => "the token is not a well-formed JWT",
        _ => "the token is not valid",
    };
}

using System.Globalization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// Checks a compact JWT against one issuer and its published keys: RS256 signature, issuer, and lifetime by the
/// DevServices clock (so a moved clock expires tokens), with 30 s skew. Reasons never quote the token.
/// </summary>
internal static class JwtCheck
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    /// <summary>The issuer a token claims, unverified (to pick which issuer's keys to check it with); null if unreadable.</summary>
    public static string? PeekIssuer(string jwt)
    {
        try
        {
            return Handler.CanReadToken(jwt) ? Handler.ReadJsonWebToken(jwt).Issuer : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public static async Task<(JsonWebToken? Token, string? Reason)> ValidateAsync(string jwt, string issuer, IList<SecurityKey> keys, DateTimeOffset now)
    {
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateAudience = false,
            ValidateLifetime = false,
            IssuerSigningKeys = keys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
        };
        var result = await Handler.ValidateTokenAsync(jwt, parameters);
        if (!result.IsValid)
        {
            return (null, Explain(result.Exception));
        }

        var token = (JsonWebToken)result.SecurityToken;
        if (!token.TryGetPayloadValue<long>("exp", out var exp))
        {
            return (null, "the token has no expiry");
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(exp);
        if (expires + ClockSkew < now)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"the token expired at {expires:O} (clock skew allowed: {ClockSkew.TotalSeconds} s)"));
        }

        if (token.TryGetPayloadValue<long>("nbf", out var nbf) && DateTimeOffset.FromUnixTimeSeconds(nbf) - ClockSkew > now)
        {
            return (null, "the token is not valid yet");
        }

        return (token, null);
    }

    /// <summary>A string claim, or null.</summary>
    public static string? Claim(JsonWebToken token, string name) =>
        token.TryGetPayloadValue<string>(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>When the token was issued (iat), or the epoch when it does not say.</summary>
    public static DateTimeOffset IssuedAt(JsonWebToken token) =>
        token.TryGetPayloadValue<long>("iat", out var iat) ? DateTimeOffset.FromUnixTimeSeconds(iat) : DateTimeOffset.UnixEpoch;

    // The library hides details as PII by default; say what failed in our own words.
    private static string Explain(Exception? exception) => exception switch
    {
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenInvalidIssuerException => "the token's issuer is not trusted",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature does not verify with the issuer's published keys",
        SecurityTokenInvalidAlgorithmException => "the token's signing algorithm is not RS256",
        SecurityTokenMalformedException => "the token is not a well-formed JWT",
        _ => "the token is not valid",
    };
}

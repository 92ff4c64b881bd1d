using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>RFC 7636 with the S256 method only (plain gives no protection against a stolen code).</summary>
internal static class Pkce
{
    /// <summary>BASE64URL(SHA256(ASCII(verifier))) is always 43 characters.</summary>
    public static bool IsChallenge(string? challenge) => challenge is { Length: 43 } && challenge.All(IsBase64Url);

    /// <summary>43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~" (4.1).</summary>
    public static bool IsVerifier(string? verifier) =>
        verifier is { Length: >= 43 and <= 128 } && verifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

    public static string Challenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static bool Matches(string verifier, string challenge) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Challenge(verifier)), Encoding.ASCII.GetBytes(challenge));

    private static bool IsBase64Url(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}

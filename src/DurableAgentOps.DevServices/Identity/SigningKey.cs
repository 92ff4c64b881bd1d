using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>
/// The RS256 key tokens are signed with: generated at start, held in memory only, never written or logged. A
/// restart makes every issued token invalid, which is what a dev issuer should do.
/// </summary>
internal sealed class SigningKey : IDisposable
{
    private readonly RSA rsa = RSA.Create(2048);

    public SigningKey()
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var n = Base64UrlEncoder.Encode(parameters.Modulus);
        var e = Base64UrlEncoder.Encode(parameters.Exponent);

        // RFC 7638 thumbprint: the required members in lexicographic order, no whitespace.
        KeyId = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"e":"{{e}}","kty":"RSA","n":"{{n}}"}""")));
        JwksJson = JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n, e } } });

        // Systems validate with the keys parsed from the published document, so they trust exactly what is served.
        ValidationKeys = new JsonWebKeySet(JwksJson).GetSigningKeys();
    }

    public string KeyId { get; }

    /// <summary>The JWKS document (public members only).</summary>
    public string JwksJson { get; }

    public IList<SecurityKey> ValidationKeys { get; }

    public byte[] Sign(byte[] data) => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public void Dispose() => rsa.Dispose();
}

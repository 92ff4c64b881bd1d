using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>
/// An RS256 key tokens are signed with: generated at start, held in memory only, never written or logged. A
/// restart makes every issued token invalid, which is what a dev issuer should do. The workload identity endpoint
/// has one and the dev sign-in provider another (keyed <see cref="SignInKey"/>), so neither trusts the other's tokens.
/// </summary>
internal sealed class SigningKey : IDisposable
{
    /// <summary>The service key of the dev sign-in provider's own key.</summary>
    public const string SignInKey = "signin";

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

    /// <summary>A compact RS256 JWT (header alg, typ, kid) whose payload object <paramref name="writeClaims"/> fills.</summary>
    public string CreateJwt(Action<Utf8JsonWriter> writeClaims)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = KeyId });
        using var payload = new MemoryStream();
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            writeClaims(json);
            json.WriteEndObject();
        }

        var signingInput = Base64UrlEncoder.Encode(header) + "." + Base64UrlEncoder.Encode(payload.ToArray());
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }

    public void Dispose() => rsa.Dispose();
}

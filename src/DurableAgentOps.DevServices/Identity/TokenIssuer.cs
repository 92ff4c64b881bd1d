using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>An issued access token; <see cref="Value"/> is a secret and never logged.</summary>
internal sealed record IssuedToken(string Value, DateTimeOffset ExpiresOn);

/// <summary>Mints RS256 JWTs whose claims carry an identity's grant for one system.</summary>
internal sealed class TokenIssuer(SigningKey key, IOptions<DevServicesOptions> options, TimeProvider time)
{
    public IssuedToken Issue(LocalIdentity identity, string resource, string system) =>
        Issue(identity, resource, system, time.GetUtcNow(), options.Value.TokenLifetime);

    /// <summary>Any issue time and lifetime, so tests can hold a correctly signed token that has expired.</summary>
    internal IssuedToken Issue(LocalIdentity identity, string resource, string system, DateTimeOffset issuedAt, TimeSpan lifetime)
    {
        var access = identity.AccessTo(system);
        var expires = issuedAt + lifetime;
        var header = JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = key.KeyId });

        using var payload = new MemoryStream();
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString("iss", options.Value.Issuer);
            json.WriteString("aud", resource);
            json.WriteString("sub", identity.ClientId);
            json.WriteString("appid", identity.ClientId);
            json.WriteString("idn", identity.Name);
            json.WriteString("jti", Guid.NewGuid().ToString("N"));
            json.WriteStartArray("roles");
            access.Roles.ToList().ForEach(json.WriteStringValue);
            json.WriteEndArray();
            if (access.Records.Count > 0)
            {
                json.WriteStartObject("xms_records");
                foreach (var (attribute, values) in access.Records)
                {
                    json.WriteStartArray(attribute);
                    values.ToList().ForEach(json.WriteStringValue);
                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            if (access.Fields.Count > 0)
            {
                json.WriteStartArray("xms_fields");
                access.Fields.ToList().ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }

            json.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", expires.ToUnixTimeSeconds());
            json.WriteEndObject();
        }

        var signingInput = Base64UrlEncoder.Encode(header) + "." + Base64UrlEncoder.Encode(payload.ToArray());
        var signature = Base64UrlEncoder.Encode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
        return new IssuedToken(signingInput + "." + signature, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }
}

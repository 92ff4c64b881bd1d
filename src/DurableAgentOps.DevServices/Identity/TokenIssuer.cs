using System.Text.Json;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>An issued access token; <see cref="Value"/> is a secret and never logged.</summary>
internal sealed record IssuedToken(string Value, DateTimeOffset ExpiresOn);

/// <summary>
/// Mints the workload identity endpoint's RS256 JWTs: for a system, claims carry an identity's grant there; for
/// Microsoft Graph, the directory-reading roles of a directory reader.
/// </summary>
internal sealed class TokenIssuer(SigningKey key, IOptions<DevServicesOptions> options, TimeProvider time)
{
    /// <summary>The Microsoft Graph resource (audience) the Graph-shaped routes accept.</summary>
    public const string GraphResource = "https://graph.microsoft.com";

    /// <summary>The audience of a managed identity's token used as a federated credential (Entra's token exchange).</summary>
    public const string TokenExchangeAudience = "api://AzureADTokenExchange";

    /// <summary>Graph application permissions a directory reader's token carries.</summary>
    public static readonly IReadOnlyList<string> GraphRoles = ["User.Read.All", "GroupMember.Read.All", "User.RevokeSessions.All"];

    public IssuedToken Issue(LocalIdentity identity, string resource, string system) =>
        Issue(identity, resource, system, time.GetUtcNow(), options.Value.TokenLifetime);

    /// <summary>Any issue time and lifetime, so tests can hold a correctly signed token that has expired.</summary>
    internal IssuedToken Issue(LocalIdentity identity, string resource, string system, DateTimeOffset issuedAt, TimeSpan lifetime)
    {
        var access = identity.AccessTo(system);
        return Mint(identity.ClientId, identity.Name, resource, access.Roles, issuedAt, lifetime, json =>
        {
            if (access.Records.Count > 0)
            {
                json.WriteStartObject("xms_records");
                foreach (var (attribute, values) in access.Records)
                {
                    WriteStrings(json, attribute, values);
                }

                json.WriteEndObject();
            }

            if (access.Fields.Count > 0)
            {
                WriteStrings(json, "xms_fields", access.Fields);
            }
        });
    }

    /// <summary>A Graph token for a directory reader; <paramref name="identityName"/> when it is also a catalogue identity.</summary>
    public IssuedToken IssueDirectoryReader(string clientId, string? identityName) =>
        Mint(clientId, identityName, GraphResource, GraphRoles, time.GetUtcNow(), options.Value.TokenLifetime, _ => { });

    /// <summary>A managed identity's token for Entra's token exchange audience, used as a federated client assertion.</summary>
    public IssuedToken IssueExchange(string clientId) =>
        Mint(clientId, null, TokenExchangeAudience, [], time.GetUtcNow(), options.Value.TokenLifetime, _ => { });

    private IssuedToken Mint(
        string clientId, string? identityName, string resource, IReadOnlyList<string> roles, DateTimeOffset issuedAt, TimeSpan lifetime, Action<Utf8JsonWriter> more)
    {
        var expires = issuedAt + lifetime;
        var jwt = key.CreateJwt(json =>
        {
            json.WriteString("iss", options.Value.Issuer);
            json.WriteString("aud", resource);
            json.WriteString("sub", clientId);
            json.WriteString("appid", clientId);
            if (identityName is not null)
            {
                json.WriteString("idn", identityName);
            }

            json.WriteString("jti", Guid.NewGuid().ToString("N"));
            WriteStrings(json, "roles", roles);
            more(json);
            json.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", expires.ToUnixTimeSeconds());
        });
        return new IssuedToken(jwt, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}

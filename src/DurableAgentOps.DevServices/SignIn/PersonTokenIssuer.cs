using System.Text.Json;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// Mints people's tokens with the dev sign-in provider's own key, shaped as Entra ID v2.0 tokens: the access token
/// for the resource of the requested scope, the id token for the client.
/// </summary>
internal sealed class PersonTokenIssuer(
    [FromKeyedServices(SigningKey.SignInKey)] SigningKey key, DevDirectory directory, IOptions<DevServicesOptions> options, TimeProvider time)
{
    public TimeSpan Lifetime => options.Value.SignIn.TokenLifetime;

    public IssuedToken AccessToken(DevPerson person, string clientId, string audience, IReadOnlyList<string> scopeNames) =>
        AccessToken(person, clientId, audience, scopeNames, time.GetUtcNow(), Lifetime);

    /// <summary>Any issue time and lifetime: the dev token route makes expired tokens with it.</summary>
    public IssuedToken AccessToken(DevPerson person, string clientId, string audience, IReadOnlyList<string> scopeNames, DateTimeOffset issuedAt, TimeSpan lifetime) =>
        Mint(issuedAt, lifetime, json =>
        {
            json.WriteString("aud", audience);
            WritePerson(json, person);
            WriteStrings(json, "roles", person.Roles);
            WriteStrings(json, "groups", person.Groups.Select(g => g.ObjectId).ToList());
            json.WriteString("azp", clientId);
            if (scopeNames.Count > 0)
            {
                json.WriteString("scp", string.Join(' ', scopeNames));
            }

            json.WriteString("ver", "2.0");
            json.WriteString("jti", Guid.NewGuid().ToString("N"));
        });

    public TimeSpan DelegatedLifetime => options.Value.SignIn.DelegatedTokenLifetime;

    /// <summary>
    /// An on-behalf-of access token: the person is the subject, the acting app the actor (RFC 8693 <c>act</c>) and the
    /// authorized party; <c>scp</c> holds the delegated permissions granted, for one resource.
    /// </summary>
    public IssuedToken DelegatedAccessToken(DevPerson person, string actorClientId, string resource, IReadOnlyList<string> permissions) =>
        Mint(time.GetUtcNow(), DelegatedLifetime, json =>
        {
            json.WriteString("aud", resource);
            WritePerson(json, person);
            json.WriteString("azp", actorClientId);
            json.WriteString("appid", actorClientId);
            json.WriteStartObject("act");
            json.WriteString("sub", actorClientId);
            json.WriteEndObject();
            json.WriteString("scp", string.Join(' ', permissions));
            json.WriteString("ver", "2.0");
            json.WriteString("jti", Guid.NewGuid().ToString("N"));
        });

    public IssuedToken IdToken(DevPerson person, string clientId, string? nonce, DateTimeOffset authTime) =>
        Mint(time.GetUtcNow(), Lifetime, json =>
        {
            json.WriteString("aud", clientId);
            WritePerson(json, person);

            // As Entra ID does for app roles assigned to the person on the signing-in app: the pages check them (Reader).
            WriteStrings(json, "roles", person.Roles);
            if (!string.IsNullOrEmpty(nonce))
            {
                json.WriteString("nonce", nonce);
            }

            json.WriteNumber("auth_time", authTime.ToUnixTimeSeconds());
        });

    private IssuedToken Mint(DateTimeOffset issuedAt, TimeSpan lifetime, Action<Utf8JsonWriter> claims)
    {
        var expires = DateTimeOffset.FromUnixTimeSeconds((issuedAt + lifetime).ToUnixTimeSeconds());
        var jwt = key.CreateJwt(json =>
        {
            json.WriteString("iss", options.Value.SignInIssuer);
            claims(json);
            json.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("nbf", issuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", expires.ToUnixTimeSeconds());
        });
        return new IssuedToken(jwt, expires);
    }

    /// <summary>A person is tid + oid; the names are for display (sub equals oid here; Entra ID makes it per app).</summary>
    private void WritePerson(Utf8JsonWriter json, DevPerson person)
    {
        json.WriteString("sub", person.Id);
        json.WriteString("oid", person.Id);
        json.WriteString("tid", directory.TenantId);
        json.WriteString("name", person.Name);
        json.WriteString("preferred_username", person.UserPrincipalName);
        json.WriteString("email", person.Mail);
    }

    /// <summary>Omitted when empty, as Entra ID omits roles and groups a person does not have.</summary>
    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}

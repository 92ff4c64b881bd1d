using System.Text.Json;
using DurableAgentOps.DevServices.SignIn;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>The person a delegated token acts for, and the app acting (the token's <c>act</c> / <c>azp</c>).</summary>
internal sealed record DelegatedCaller(string PersonId, string UserPrincipalName, string ActorClientId, string ActorName);

/// <summary>
/// What a valid bearer token says about its caller. <see cref="Records"/> null: no record restriction.
/// <see cref="Delegated"/>: an app acting for a person (on-behalf-of); its roles are the token's scp.
/// </summary>
internal sealed record CallerToken(
    IReadOnlyList<string> Audiences,
    string Subject,
    string? IdentityName,
    IReadOnlySet<string> Roles,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Records,
    IReadOnlySet<string> Fields,
    DelegatedCaller? Delegated = null);

/// <summary>
/// Validates bearer tokens of both dev issuers: the workload identity endpoint's (a step's own identity), and the dev
/// sign-in provider's delegated ones (an app acting for a person, with scp and act). RS256 signature by the issuer's
/// published keys, issuer, audience (unless the caller checks it itself: null), lifetime by the DevServices clock.
/// </summary>
internal sealed class TokenValidator(
    SigningKey key, [FromKeyedServices(SigningKey.SignInKey)] SigningKey signInKey, DevDirectory directory, IOptions<DevServicesOptions> options, TimeProvider time)
{
    /// <summary>Clock skew tolerated on nbf/exp: 30 s, no more (the library's default is 5 min).</summary>
    public static readonly TimeSpan ClockSkew = JwtCheck.ClockSkew;

    /// <summary>
    /// The caller of <paramref name="authorization"/>; <paramref name="acceptDelegated"/> false trusts the workload
    /// identity issuer alone (the Graph-shaped routes take no person's token).
    /// </summary>
    public async Task<(CallerToken? Caller, string? Reason)> ValidateAsync(string? authorization, string? audience, bool acceptDelegated = true)
    {
        const string scheme = "Bearer ";
        if (string.IsNullOrEmpty(authorization) || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return (null, "a bearer token is required (Authorization: Bearer <token>)");
        }

        var jwt = authorization[scheme.Length..].Trim();
        var settings = options.Value;
        var delegated = acceptDelegated && JwtCheck.PeekIssuer(jwt) == settings.SignInIssuer;
        var (token, reason) = await JwtCheck.ValidateAsync(jwt, delegated ? settings.SignInIssuer : settings.Issuer, delegated ? signInKey.ValidationKeys : key.ValidationKeys, time.GetUtcNow());
        if (token is null)
        {
            return (null, reason);
        }

        if (audience is not null && !token.Audiences.Contains(audience, StringComparer.Ordinal))
        {
            return (null, $"the token's audience is not {audience}");
        }

        return delegated ? ReadDelegated(token) : Read(token);
    }

    /// <summary>
    /// A person's token reaches a system only through a delegating app (on-behalf-of): its permissions are scp, its
    /// subject the person's object id; no record or field limit comes from it (those of a declaration are the guard's).
    /// </summary>
    private (CallerToken?, string?) ReadDelegated(JsonWebToken token)
    {
        var personId = JwtCheck.Claim(token, "oid");
        var azp = JwtCheck.Claim(token, "azp");
        var scp = JwtCheck.Claim(token, "scp");
        var app = directory.FindDelegatingApp(azp);
        string? actor = null;
        if (token.TryGetPayloadValue<JsonElement>("act", out var act) && act.ValueKind == JsonValueKind.Object && act.TryGetProperty("sub", out var actSub) && actSub.ValueKind == JsonValueKind.String)
        {
            actor = actSub.GetString();
        }

        var problem = (personId, app, scp, actor) switch
        {
            (null, _, _, _) => "the person's token has no oid",
            (_, null, _, _) => $"a person's own token (authorized party {azp ?? "none"}) is not accepted: only a delegating app acting for the person (on-behalf-of) reaches a system",
            (_, _, null, _) => "the delegated token has no scp (delegated permissions)",
            (_, _, _, null) => "the delegated token names no actor (act.sub)",
            _ when !string.Equals(actor, app!.ClientId, StringComparison.OrdinalIgnoreCase) => $"the delegated token's actor {actor} is not its authorized party {azp}",
            _ => null,
        };
        if (problem is not null)
        {
            return (null, problem);
        }

        var upn = JwtCheck.Claim(token, "preferred_username") ?? personId!;
        var roles = scp!.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return (new CallerToken([.. token.Audiences], personId!, $"{upn} via {app!.Name}", roles, null, new HashSet<string>(StringComparer.Ordinal),
            new DelegatedCaller(personId!, upn, app.ClientId, app.Name)), null);
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
}

using System.Globalization;
using System.Text;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// The token endpoint's grants for delegating apps (confidential clients authenticated by a federated managed
/// identity's token): on-behalf-of (RFC 7523 jwt-bearer with requested_token_use=on_behalf_of, as Entra ID) and
/// refresh_token (RFC 6749 6). Every refusal is an RFC 6749 5.2 error saying why; nothing secret is logged.
/// </summary>
internal sealed class DelegatedGrants(
    DevDirectory directory,
    PersonTokenIssuer issuer,
    SigningKey workloadKey,
    [FromKeyedServices(SigningKey.SignInKey)] SigningKey signInKey,
    RefreshTokens refreshTokens,
    SessionRevocations revocations,
    TokenRequestCounter grants,
    IOptions<DevServicesOptions> options,
    TimeProvider time,
    ILogger<DelegatedGrants> logger)
{
    public const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    public const string RefreshToken = "refresh_token";
    public const string ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>The audience of a managed identity's token used as a federated credential (Entra's token exchange).</summary>
    public const string TokenExchangeAudience = TokenIssuer.TokenExchangeAudience;

    public static bool Handles(string? grantType) => grantType is JwtBearer or RefreshToken;

    public async Task<IResult> ExchangeAsync(IFormCollection form)
    {
        string? One(string name) => form[name] is { Count: 1 } values ? values[0] : null;
        var grantType = One("grant_type")!;
        var grantName = grantType == JwtBearer ? "on_behalf_of" : RefreshToken;
        var clientId = One("client_id");

        var app = directory.FindDelegatingApp(clientId);
        var problem = (clientId, app) switch
        {
            (null, _) => ("invalid_request", "client_id is required"),
            (_, null) => ("invalid_client", $"client_id '{clientId}' is not a delegating app of the dev directory (delegatingApps); only a delegating app may use the {grantName} grant"),
            _ when form.ContainsKey("client_secret") =>
                ("invalid_client", $"delegating app {app.Name} authenticates with a client assertion (a token of its federated managed identity), never a secret"),
            _ when One("client_assertion_type") != ClientAssertionType => ("invalid_client", $"client_assertion_type must be {ClientAssertionType}"),
            _ when One("client_assertion") is null => ("invalid_client", "client_assertion is required: a managed-identity token for " + TokenExchangeAudience),
            _ => ((string, string)?)null,
        };
        if (problem is (string error, string description))
        {
            return Error(grantName, clientId, error, description);
        }

        if (await CheckClientAssertionAsync(app!, One("client_assertion")!) is { } clientProblem)
        {
            return Error(grantName, clientId, "invalid_client", clientProblem);
        }

        var (resource, permissions, scopes, scopeProblem) = GrantedScope(app!, One("scope"));
        if (scopeProblem is not null)
        {
            return Error(grantName, clientId, "invalid_scope", scopeProblem);
        }

        var (person, grantProblem) = grantType == JwtBearer ? await CheckAssertionAsync(app!, form) : CheckRefreshToken(app!, One(RefreshToken));
        if (grantProblem is (string grantError, string grantDescription))
        {
            return Error(grantName, clientId, grantError, grantDescription);
        }

        return Issue(grantName, app!, person!, resource!, permissions!, scopes!);
    }

    private async Task<string?> CheckClientAssertionAsync(DevDelegatingApp app, string assertion)
    {
        var (token, reason) = await JwtCheck.ValidateAsync(assertion, options.Value.Issuer, workloadKey.ValidationKeys, time.GetUtcNow());
        if (token is null)
        {
            return $"the client assertion is not a valid token of the managed-identity endpoint: {reason}";
        }

        if (!token.Audiences.Contains(TokenExchangeAudience, StringComparer.Ordinal))
        {
            return $"the client assertion's audience is {string.Join(", ", token.Audiences)}, not {TokenExchangeAudience}";
        }

        return string.Equals(token.Subject, app.FederatedIdentity, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"the client assertion is a token of {token.Subject}, not of {app.FederatedIdentity}, the managed identity app {app.Name} trusts (federatedIdentity)";
    }

    /// <summary>One resource; each permission consented for the app there; .default means every consented one.</summary>
    private static (string? Resource, IReadOnlyList<string>? Permissions, IReadOnlyList<string>? Scopes, string? Problem) GrantedScope(DevDelegatingApp app, string? scope)
    {
        var (parsed, problem) = RequestedScope.Parse(scope, requireOpenId: false);
        if (problem is not null)
        {
            return (null, null, null, problem);
        }

        if (parsed!.Resource is not { } resource)
        {
            return (null, null, null, "scope names no resource: ask for <resource>/<permission>, e.g. api://durableagentops/crm/calls.read");
        }

        if (!app.Permissions.TryGetValue(resource, out var consented))
        {
            return (null, null, null, $"app {app.Name} has no delegated permission consented for {resource} (consented resources: {List(app.Permissions.Keys)})");
        }

        var missing = parsed.ScopeNames.Where(n => !consented.Contains(n, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            return (null, null, null, $"permission {List(missing)} of {resource} is not consented for app {app.Name} (consented: {List(consented)})");
        }

        var permissions = parsed.ScopeNames.Count == 0 ? consented : parsed.ScopeNames;
        var scopes = parsed.Scopes.Where(s => !RequestedScope.OpenIdScopes.Contains(s)).ToList();
        return (resource, permissions, parsed.Scopes.Contains(RequestedScope.OpenId, StringComparer.Ordinal) ? [.. scopes, RequestedScope.OpenId] : scopes, null);
    }

    private async Task<(DevPerson?, (string, string)?)> CheckAssertionAsync(DevDelegatingApp app, IFormCollection form)
    {
        string? One(string name) => form[name] is { Count: 1 } values ? values[0] : null;
        if (One("requested_token_use") != "on_behalf_of")
        {
            return (null, ("invalid_request", "requested_token_use must be on_behalf_of"));
        }

        if (One("assertion") is not { } assertion)
        {
            return (null, ("invalid_request", "assertion (the person's access token for the app) is required"));
        }

        var (token, reason) = await JwtCheck.ValidateAsync(assertion, options.Value.SignInIssuer, signInKey.ValidationKeys, time.GetUtcNow());
        if (token is null)
        {
            return (null, ("invalid_grant", $"the assertion is not a valid token of the dev sign-in provider: {reason}"));
        }

        if (!token.Audiences.Any(app.Accepts))
        {
            return (null, ("invalid_grant", $"the assertion's audience is {string.Join(", ", token.Audiences)}, not app {app.Name} ({app.IdentifierUri} or {app.ClientId})"));
        }

        if (token.TryGetPayloadValue<object>("act", out _))
        {
            return (null, ("invalid_grant", "the assertion is itself a delegated token (it has an actor); exchange the person's own token"));
        }

        var personId = JwtCheck.Claim(token, "oid");
        var person = directory.FindPerson(personId);
        if (person is null || !string.Equals(person.Id, personId, StringComparison.OrdinalIgnoreCase))
        {
            return (null, ("invalid_grant", $"the assertion's person {personId ?? "(no oid)"} is not in the dev directory"));
        }

        if (revocations.RevokedAfter(person.Id, JwtCheck.IssuedAt(token)) is { } revoked)
        {
            return (null, ("invalid_grant", $"the person's sessions were revoked at {Time(revoked)}, after the assertion was issued ({person.UserPrincipalName} must sign in again)"));
        }

        return (person, null);
    }

    private (DevPerson?, (string, string)?) CheckRefreshToken(DevDelegatingApp app, string? value)
    {
        if (value is null)
        {
            return (null, ("invalid_request", "refresh_token is required"));
        }

        var grant = refreshTokens.Find(value);
        var now = time.GetUtcNow();
        var person = grant is null ? null : directory.FindPerson(grant.PersonId);
        var problem = grant switch
        {
            null => "the refresh token is unknown to this sign-in provider",
            _ when !string.Equals(grant.ClientId, app.ClientId, StringComparison.OrdinalIgnoreCase) => $"the refresh token was issued to another client, not {app.ClientId}",
            _ when grant.ExpiresAt <= now => $"the refresh token expired at {Time(grant.ExpiresAt)}",
            _ when person is null => $"the person {grant.PersonId} is no longer in the dev directory",
            _ when revocations.RevokedAfter(person.Id, grant.IssuedAt) is { } revoked =>
                $"the person's sessions were revoked at {Time(revoked)}, after the refresh token was issued ({person.UserPrincipalName} must sign in again)",
            _ => null,
        };
        return problem is null ? (person, null) : (null, ("invalid_grant", problem));
    }

    private IResult Issue(string grantName, DevDelegatingApp app, DevPerson person, string resource, IReadOnlyList<string> permissions, IReadOnlyList<string> scopes)
    {
        var now = time.GetUtcNow();
        var access = issuer.DelegatedAccessToken(person, app.ClientId, resource, permissions);
        var refresh = refreshTokens.Issue(new RefreshGrant(person.Id, app.ClientId, now, now + options.Value.SignIn.RefreshTokenLifetime));
        var clientInfo = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes($$"""{"uid":"{{person.Id}}","utid":"{{directory.TenantId}}"}"""));
        var expiresIn = (long)Math.Max(0, (access.ExpiresOn - now).TotalSeconds);
        var answer = new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["scope"] = string.Join(' ', scopes.Where(s => s != RequestedScope.OpenId)),
            ["expires_in"] = expiresIn,
            ["ext_expires_in"] = expiresIn,
            ["access_token"] = access.Value,
            ["refresh_token"] = refresh,
            ["client_info"] = clientInfo,
        };
        if (scopes.Contains(RequestedScope.OpenId, StringComparer.Ordinal))
        {
            answer["id_token"] = issuer.IdToken(person, app.ClientId, nonce: null, now).Value;
        }

        grants.Granted(new DelegatedGrant(grantName, person.UserPrincipalName, person.Id, app.ClientId, resource, permissions, now));
        logger.DelegatedTokenIssued(grantName, person.UserPrincipalName, person.Id, app.ClientId, resource, string.Join(' ', permissions));
        return Results.Json(answer, DevJson.Options);
    }

    private IResult Error(string grantName, string? clientId, string error, string description)
    {
        logger.DelegatedGrantRefused(grantName, clientId ?? "(none)", error, description);
        return Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, DevJson.Options, statusCode: StatusCodes.Status400BadRequest);
    }

    private static string List(IEnumerable<string> items) => string.Join(", ", items) is { Length: > 0 } text ? text : "none";

    private static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}

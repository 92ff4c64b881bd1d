using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// POST /signin/token: the authorization code grant for public clients (RFC 6749 4.1.3, RFC 7636 4.5). Every binding
/// of the code is checked: client, redirect URI, and the S256 verifier. Errors are RFC 6749 5.2 JSON with 400. The
/// on-behalf-of and refresh grants of delegating apps are <see cref="DelegatedGrants"/>'.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task<IResult> ExchangeAsync(
        HttpRequest request, DevDirectory directory, AuthorizationCodes codes, PersonTokenIssuer issuer, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(SignInEndpoints.LogCategory);
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        request.HttpContext.Response.Headers.Pragma = "no-cache";
        if (!request.HasFormContentType)
        {
            return Error(logger, null, "invalid_request", "the body must be application/x-www-form-urlencoded");
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        string? One(string name) => form[name] is { Count: 1 } values ? values[0] : null;
        string? grantType = One("grant_type"), clientId = One("client_id"), code = One("code"), redirectUri = One("redirect_uri"), verifier = One("code_verifier");
        var repeated = form.Keys.FirstOrDefault(k => form[k].Count > 1);
        // The delegating apps' grants; a public client gets none of them (unsupported_grant_type below).
        if (repeated is null && DelegatedGrants.Handles(grantType) && directory.FindDelegatingApp(clientId) is not null)
        {
            return await request.HttpContext.RequestServices.GetRequiredService<DelegatedGrants>().ExchangeAsync(form);
        }

        var problem = (repeated, grantType, clientId, code, redirectUri, verifier) switch
        {
            ({ } name, _, _, _, _, _) => ("invalid_request", $"{name} is given more than once"),
            (_, null, _, _, _, _) => ("invalid_request", "grant_type is required"),
            (_, not "authorization_code", _, _, _, _) => ("unsupported_grant_type", DelegatedGrants.Handles(grantType)
                ? $"grant_type {grantType} is only for delegating apps (directory.yaml delegatingApps); client '{clientId}' may use authorization_code"
                : $"grant_type must be authorization_code, {DelegatedGrants.JwtBearer} (on-behalf-of) or {DelegatedGrants.RefreshToken}, not '{grantType}'"),
            _ when form.ContainsKey("client_secret") || form.ContainsKey("client_assertion") || request.Headers.Authorization.Count > 0 =>
                ("invalid_client", "dev clients are public clients: send client_id and no secret or assertion"),
            (_, _, null, _, _, _) => ("invalid_request", "client_id is required"),
            _ when directory.FindClient(clientId) is null => ("invalid_client", $"client_id '{clientId}' is not a client of the dev directory"),
            (_, _, _, null, _, _) => ("invalid_request", "code is required"),
            (_, _, _, _, null, _) => ("invalid_request", "redirect_uri is required"),
            (_, _, _, _, _, null) => ("invalid_request", "code_verifier is required (PKCE)"),
            _ when !Pkce.IsVerifier(verifier) => ("invalid_request", "code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~"),
            _ => ((string, string)?)null,
        };
        if (problem is (string error, string description))
        {
            return Error(logger, clientId, error, description);
        }

        // Taken out before the checks: a code is spent by any attempt, right or wrong.
        var grant = codes.Redeem(code!);
        problem = grant switch
        {
            null => ("invalid_grant", "the code is unknown, expired or already used"),
            _ when grant.ClientId != clientId => ("invalid_grant", "the code was issued to another client"),
            _ when grant.RedirectUri != redirectUri => ("invalid_grant", "redirect_uri is not the one of the authorization request"),
            _ when !Pkce.Matches(verifier!, grant.CodeChallenge) => ("invalid_grant", "code_verifier does not match the code_challenge (S256)"),
            _ => null,
        };
        if (problem is (string grantError, string grantDescription))
        {
            return Error(logger, clientId, grantError, grantDescription);
        }

        var audience = grant!.Scope.AudienceFor(grant.ClientId);
        var access = issuer.AccessToken(grant.Person, grant.ClientId, audience, grant.Scope.ScopeNames);
        var id = issuer.IdToken(grant.Person, grant.ClientId, grant.Nonce, grant.AuthTime);
        logger.PersonTokenIssued(grant.Person.UserPrincipalName, grant.Person.Id, grant.ClientId, audience);
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = access.Value,
            ["id_token"] = id.Value,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)issuer.Lifetime.TotalSeconds,
            ["scope"] = grant.Scope.Value,
        }, DevJson.Options);
    }

    private static IResult Error(ILogger logger, string? clientId, string error, string description)
    {
        logger.TokenRequestRefused(clientId ?? "(none)", error, description);
        return Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, DevJson.Options, statusCode: StatusCodes.Status400BadRequest);
    }
}

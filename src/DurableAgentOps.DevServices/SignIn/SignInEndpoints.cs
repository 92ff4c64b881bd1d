using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// The dev sign-in provider (OpenID Connect, authorization code + PKCE S256, public clients only) under /signin:
/// discovery, keys, the person picker, the token endpoint and logout. Its issuer is PublicUrl + /signin.
/// </summary>
internal static class SignInEndpoints
{
    public const string Base = "/signin";

    /// <summary>The log category of the provider's endpoints.</summary>
    public const string LogCategory = "DurableAgentOps.DevServices.SignIn";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var signin = endpoints.MapGroup(Base);
        signin.MapGet("/.well-known/openid-configuration", Discovery);
        signin.MapGet("/keys", ([FromKeyedServices(SigningKey.SignInKey)] SigningKey key) => Results.Text(key.JwksJson, "application/json"));
        signin.MapGet("/authorize", (HttpRequest request, DevDirectory directory, ILoggerFactory loggers) =>
            Authorize(AuthorizeRequest.From(name => request.Query[name]), directory, loggers.CreateLogger(LogCategory)));
        signin.MapPost("/authorize", PickAsync).DisableAntiforgery();
        signin.MapPost("/token", TokenEndpoint.ExchangeAsync).DisableAntiforgery();
        signin.MapGet("/logout", Logout);
        endpoints.MapPost("/_dev/signin/tokens", DevSignInTokens.Mint);
        TenantEndpoints.Map(endpoints);
        DelegationEndpoints.Map(endpoints);
    }

    private static IResult Discovery(IOptions<DevServicesOptions> options)
    {
        var issuer = options.Value.SignInIssuer;
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = issuer + "/authorize",
            ["token_endpoint"] = issuer + "/token",
            ["jwks_uri"] = issuer + "/keys",
            ["end_session_endpoint"] = issuer + "/logout",
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query" },
            ["grant_types_supported"] = new[] { "authorization_code", DelegatedGrants.JwtBearer, DelegatedGrants.RefreshToken },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["scopes_supported"] = RequestedScope.OpenIdScopes.Order(StringComparer.Ordinal).ToArray(),
            ["claims_supported"] = new[]
            {
                "iss", "aud", "sub", "oid", "tid", "name", "preferred_username", "email", "roles", "groups", "azp", "scp", "ver",
                "nonce", "auth_time", "iat", "nbf", "exp", "jti",
            },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "none", "private_key_jwt" },
        }, DevJson.Options);
    }

    private static IResult Authorize(AuthorizeRequest request, DevDirectory directory, ILogger logger)
    {
        var check = request.Check(directory);
        if (check.Client is null || check.Error is not null)
        {
            return Refuse(request, check, logger);
        }

        return SignInPages.Picker(directory, check.Client, request);
    }

    /// <summary>The person's choice: everything is checked again (the form is the client's request, replayed), then a code.</summary>
    private static async Task<IResult> PickAsync(HttpRequest request, DevDirectory directory, AuthorizationCodes codes, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LogCategory);
        if (!request.HasFormContentType)
        {
            return SignInPages.Refused("the sign-in form must be posted as application/x-www-form-urlencoded");
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var parameters = AuthorizeRequest.From(name => form[name]);
        var check = parameters.Check(directory);
        if (check.Client is null || check.Error is not null)
        {
            return Refuse(parameters, check, logger);
        }

        var person = directory.FindPerson(form["person"].ToString());
        if (person is null)
        {
            return Refuse(parameters, AuthorizeCheck.Refuse(check.Client, "access_denied", "no person of the dev directory was picked"), logger);
        }

        var code = codes.Issue(new CodeGrant(
            check.Client.ClientId, parameters.RedirectUri!, person, check.Scope!, parameters.Nonce, parameters.CodeChallenge!, time.GetUtcNow()));
        logger.PersonPicked(person.UserPrincipalName, person.Id, check.Client.ClientId, parameters.RedirectUri!);
        return new QuietRedirect(WithQuery(parameters.RedirectUri!, ("code", code), ("state", parameters.State)));
    }

    /// <summary>No session is kept here, so there is nothing to end; a loopback post-logout URI gets the person back.</summary>
    private static IResult Logout(string? post_logout_redirect_uri, string? state)
    {
        if (post_logout_redirect_uri is not null && Uri.TryCreate(post_logout_redirect_uri, UriKind.Absolute, out var uri) && DevClient.IsLoopback(uri) && uri.Fragment.Length == 0)
        {
            return new QuietRedirect(WithQuery(post_logout_redirect_uri, ("state", state)));
        }

        return SignInPages.SignedOut();
    }

    private static IResult Refuse(AuthorizeRequest request, AuthorizeCheck check, ILogger logger)
    {
        logger.AuthorizeRefused(request.ClientId ?? "(none)", check.Error ?? "shown to the person", check.Description!);
        if (check.Client is null)
        {
            return SignInPages.Refused(check.Description!);
        }

        // RFC 6749 4.1.2.1: the redirect URI is known good here, so the client hears of the error, with its state.
        return new QuietRedirect(WithQuery(request.RedirectUri!, ("error", check.Error), ("error_description", check.Description), ("state", request.State)));
    }

    private static string WithQuery(string uri, params (string Name, string? Value)[] parameters) =>
        QueryHelpers.AddQueryString(uri, parameters.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Name, p.Value)));
}

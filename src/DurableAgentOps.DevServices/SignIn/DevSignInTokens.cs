using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>The body of <c>POST /_dev/signin/tokens</c>; only <see cref="Person"/> is required.</summary>
internal sealed record DevTokenRequest(
    string? Person, string? Audience = null, string? Scope = null, string? ClientId = null, int? LifetimeSeconds = null, int? IssuedSecondsAgo = null);

/// <summary>
/// Dev only, no authentication: mints a person's access token as the token endpoint would, with any audience, issue
/// time and lifetime, for tests that need an expired token or one for another API. Never part of a real provider.
/// </summary>
internal static class DevSignInTokens
{
    public const string DefaultClientId = "agentops-cli";
    public const string DefaultAudience = "api://durableagentops";

    public static IResult Mint(DevTokenRequest request, DevDirectory directory, PersonTokenIssuer issuer, TimeProvider time, ILoggerFactory loggers)
    {
        var person = directory.FindPerson(request.Person);
        var (scope, scopeProblem) = RequestedScope.Parse(request.Scope, requireOpenId: false);
        var clientId = request.ClientId ?? DefaultClientId;
        var problem = request switch
        {
            { Person: null or "" } => "person (a user principal name or object id) is required",
            _ when person is null => $"person '{request.Person}' is not in the dev directory",
            _ when directory.FindClient(clientId) is null => $"clientId '{clientId}' is not a client of the dev directory",
            _ when scopeProblem is not null => scopeProblem,
            { LifetimeSeconds: < 1 or > 86_400 } => "lifetimeSeconds must be 1..86400",
            { IssuedSecondsAgo: < -86_400 or > 31_536_000 } => "issuedSecondsAgo must be -86400..31536000",
            _ => null,
        };
        if (problem is not null)
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request", ["reason"] = problem }, DevJson.Options, statusCode: StatusCodes.Status400BadRequest);
        }

        var audience = request.Audience ?? scope!.Resource ?? DefaultAudience;
        var issuedAt = time.GetUtcNow() - TimeSpan.FromSeconds(request.IssuedSecondsAgo ?? 0);
        var lifetime = request.LifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : issuer.Lifetime;
        var token = issuer.AccessToken(person!, clientId, audience, scope!.ScopeNames, issuedAt, lifetime);
        loggers.CreateLogger(SignInEndpoints.LogCategory).DevPersonTokenMinted(person!.UserPrincipalName, person.Id, audience);
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = token.Value,
            ["token_type"] = "Bearer",
            ["expires_on"] = token.ExpiresOn.ToUnixTimeSeconds(),
        }, DevJson.Options);
    }
}

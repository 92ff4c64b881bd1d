using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// The sign-in provider under an Entra-shaped authority, https://localhost:&lt;TlsPort&gt;/&lt;tenantId&gt;, as MSAL
/// builds its URLs from it: the token endpoint (every grant of /signin/token), v2.0 discovery and keys. Only the
/// dev directory's tenant is served.
/// </summary>
internal static class TenantEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/{tenant}/oauth2/v2.0/token", ExchangeAsync).DisableAntiforgery();
        endpoints.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", Discovery);
        endpoints.MapGet("/{tenant}/discovery/v2.0/keys", (string tenant, DevDirectory directory, [FromKeyedServices(SigningKey.SignInKey)] SigningKey key) =>
            UnknownTenant(tenant, directory) ?? Results.Text(key.JwksJson, "application/json"));
    }

    private static async Task<IResult> ExchangeAsync(
        string tenant, HttpRequest request, DevDirectory directory, AuthorizationCodes codes, PersonTokenIssuer issuer, ILoggerFactory loggers) =>
        UnknownTenant(tenant, directory) ?? await TokenEndpoint.ExchangeAsync(request, directory, codes, issuer, loggers);

    private static IResult Discovery(string tenant, HttpRequest request, DevDirectory directory)
    {
        if (UnknownTenant(tenant, directory) is { } unknown)
        {
            return unknown;
        }

        // Addresses on the port and scheme asked (the HTTPS listener for MSAL), so the client stays on it.
        var origin = $"{request.Scheme}://{request.Host}";
        var authority = $"{origin}/{directory.TenantId}";
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = authority + "/v2.0",
            ["authorization_endpoint"] = origin + SignInEndpoints.Base + "/authorize",
            ["token_endpoint"] = authority + "/oauth2/v2.0/token",
            ["jwks_uri"] = authority + "/discovery/v2.0/keys",
            ["end_session_endpoint"] = origin + SignInEndpoints.Base + "/logout",
            ["response_types_supported"] = new[] { "code" },
            ["grant_types_supported"] = new[] { "authorization_code", DelegatedGrants.JwtBearer, DelegatedGrants.RefreshToken },
            ["token_endpoint_auth_methods_supported"] = new[] { "none", "private_key_jwt" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["scopes_supported"] = RequestedScope.OpenIdScopes.Order(StringComparer.Ordinal).ToArray(),
            ["tenant_region_scope"] = "dev",
        }, DevJson.Options);
    }

    private static IResult? UnknownTenant(string tenant, DevDirectory directory) =>
        string.Equals(tenant, directory.TenantId, StringComparison.OrdinalIgnoreCase)
            ? null
            : Results.Json(
                new Dictionary<string, string> { ["error"] = "invalid_request", ["error_description"] = $"tenant '{tenant}' is not the dev directory's tenant {directory.TenantId}" },
                DevJson.Options, statusCode: StatusCodes.Status400BadRequest);
}

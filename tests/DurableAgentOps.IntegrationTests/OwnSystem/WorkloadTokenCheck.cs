using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.IntegrationTests.OwnSystem;

/// <summary>Who called a system of one's own: the token's client id, identity name and roles.</summary>
internal sealed record WorkloadCaller(string? ClientId, string? Identity, IReadOnlyList<string> Roles);

/// <summary>
/// How the test's own systems trust workload tokens, as a real service would: the issuer and signing keys from the
/// DevServices identity endpoint's discovery document and JWKS, and one audience.
/// </summary>
internal sealed class WorkloadTokenCheck(TokenValidationParameters validation)
{
    public static async Task<WorkloadTokenCheck> CreateAsync(string identityBaseUrl, string audience)
    {
        using var http = new HttpClient { BaseAddress = new Uri(identityBaseUrl) };
        var discovery = await http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        return new WorkloadTokenCheck(new TokenValidationParameters
        {
            ValidIssuer = discovery.GetProperty("issuer").GetString(),
            ValidAudience = audience,
            IssuerSigningKeys = new JsonWebKeySet(await http.GetStringAsync("/.well-known/jwks.json")).GetSigningKeys(),
        });
    }

    /// <summary>The caller of an <c>Authorization: Bearer</c> header, or null when the token is missing or invalid.</summary>
    public async Task<WorkloadCaller?> ValidateAsync(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(authorization["Bearer ".Length..], validation);
        if (!result.IsValid)
        {
            return null;
        }

        var token = (JsonWebToken)result.SecurityToken;
        return new WorkloadCaller(
            token.TryGetPayloadValue<string>("appid", out var appid) ? appid : null,
            token.TryGetPayloadValue<string>("idn", out var idn) ? idn : null,
            [.. token.Claims.Where(c => c.Type == "roles").Select(c => c.Value)]);
    }
}

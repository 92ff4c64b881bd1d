using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>
/// Validates tokens the way the JwtBearer handler does: the issuer and signing keys come from the authority's
/// OpenID metadata (and the jwks_uri it names), read by Microsoft.IdentityModel's own configuration manager.
/// </summary>
public static class IssuerKeys
{
    public static async Task<OpenIdConnectConfiguration> DiscoverAsync(HttpClient http, string authority)
    {
        var manager = new ConfigurationManager<OpenIdConnectConfiguration>(
            authority.TrimEnd('/') + "/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever(http) { RequireHttps = false });
        return await manager.GetConfigurationAsync(CancellationToken.None);
    }

    public static Task<TokenValidationResult> ValidateAsync(string token, OpenIdConnectConfiguration configuration, string audience, Action<TokenValidationParameters>? adjust = null)
    {
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
        };
        adjust?.Invoke(parameters);
        return new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, parameters);
    }
}

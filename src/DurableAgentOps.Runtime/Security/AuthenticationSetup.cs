using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.Runtime.Security;

/// <summary>
/// Caller authentication for both hosts, with the standard ASP.NET Core JWT bearer handler: Entra ID access tokens in
/// Azure, the dev sign-in provider's locally; only <see cref="AuthOptions"/> differ. The instance API also takes the
/// system key. The standalone host runs it as middleware; the Functions app calls the same handlers from its triggers.
/// </summary>
public static class AuthenticationSetup
{
    /// <summary>The scheme every endpoint authenticates with: the system key header when sent, else a bearer token.</summary>
    public const string Scheme = "AgentOps";

    public static IServiceCollection AddAgentOpsAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Bearer token or system key", o =>
            {
                o.ForwardDefaultSelector = http => http.Request.Headers.ContainsKey(SystemKeyDefaults.Header)
                    ? SystemKeyDefaults.Scheme
                    : JwtBearerDefaults.AuthenticationScheme;
                o.ForwardChallenge = JwtBearerDefaults.AuthenticationScheme;
                o.ForwardForbid = JwtBearerDefaults.AuthenticationScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, SystemKeyHandler>(SystemKeyDefaults.Scheme, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>(Configure);
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build());
        return services;
    }

    private static void Configure(JwtBearerOptions jwt, IOptions<AuthOptions> options)
    {
        var auth = options.Value;
        jwt.Authority = auth.Authority;
        jwt.Audience = auth.Audience;
        jwt.RequireHttpsMetadata = !auth.IsLoopbackAuthority;
        jwt.MapInboundClaims = false; // keep oid, tid, roles, groups as the issuer wrote them
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudiences = [auth.Audience],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = auth.ClockSkew,
            NameClaimType = "name",
            RoleClaimType = "roles",
        };
        jwt.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var tid = context.Principal?.FindFirst("tid")?.Value;
                if (context.Principal?.FindFirst("oid")?.Value is not { Length: > 0 })
                {
                    context.Fail("the token names no object id (oid): there is no stable principal to record");
                }
                else if (auth.TenantId is { Length: > 0 } tenant && !string.Equals(tid, tenant, StringComparison.OrdinalIgnoreCase))
                {
                    context.Fail($"the token is from tenant '{Bounded(tid)}'; this host accepts only tenant '{tenant}'");
                }

                return Task.CompletedTask;
            },
            OnChallenge = context =>
            {
                context.HandleResponse();
                var (status, detail) = Describe(context, auth);
                context.Response.StatusCode = status;
                context.Response.Headers.WWWAuthenticate = status == StatusCodes.Status401Unauthorized
                    ? $"Bearer error=\"{(context.AuthenticateFailure is null ? "invalid_request" : "invalid_token")}\""
                    : string.Empty;
                return WriteProblemAsync(context.Response, status, status == 401 ? "Sign-in required." : "Sign-in is unavailable.", detail);
            },
        };
    }

    /// <summary>Why a request was not authenticated, in words that say what to send instead; never the token itself.</summary>
    private static (int Status, string Detail) Describe(JwtBearerChallengeContext context, AuthOptions auth)
    {
        var wanted = $"an access token for '{auth.Audience}' from '{auth.Authority}'";
        if (context.Request.Headers.ContainsKey(SystemKeyDefaults.Header))
        {
            return (401, "The x-functions-key header does not match this host's system key (or the host has none); " +
                $"send 'Authorization: Bearer <token>' with {wanted} instead.");
        }

        return context.AuthenticateFailure switch
        {
            null => (401, $"Send 'Authorization: Bearer <token>' with {wanted}. With the CLI: agentops login."),
            SecurityTokenExpiredException expired => (401,
                $"The token expired at {expired.Expires.ToString("u", CultureInfo.InvariantCulture)}; sign in again (agentops login)."),
            SecurityTokenInvalidAudienceException => (401,
                $"The token is for audience '{Bounded(AudienceOf(context.Request))}'; this host accepts only '{auth.Audience}'."),
            SecurityTokenInvalidIssuerException issuer => (401,
                $"The token was issued by '{Bounded(issuer.InvalidIssuer)}'; this host trusts only the issuer of '{auth.Authority}'."),
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => (401,
                $"The token's signature does not verify with the signing keys of '{auth.Authority}'."),
            SecurityTokenNotYetValidException => (401, "The token is not valid yet (nbf is in the future)."),
            SecurityTokenMalformedException or ArgumentException => (401, "The bearer token is not a well-formed JWT."),
            InvalidOperationException => (503,
                $"The host cannot read the sign-in authority's metadata at '{auth.Authority}'; try again shortly."),
            AuthenticationFailureException failure => (401, $"The token was refused: {failure.Message}."),
            var other => (401, $"The token was refused ({other.GetType().Name.Replace("Exception", string.Empty, StringComparison.Ordinal)})."),
        };
    }

    /// <summary>The audience the caller's own token names (read, not trusted: it only goes back into the caller's error).</summary>
    private static string? AudienceOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return string.Join(", ", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(header["Bearer ".Length..].Trim()).Audiences);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    internal static Task WriteProblemAsync(HttpResponse response, int status, string title, string detail)
    {
        response.ContentType = "application/problem+json";
        response.Headers.CacheControl = "no-store";
        var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["type"] = "about:blank", ["title"] = title, ["status"] = status, ["detail"] = detail });
        return response.WriteAsync(body);
    }

    private static string Bounded(string? text) => text is null ? "(none)" : text.Length <= 120 ? text : text[..120] + "…";
}

using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using DurableAgentOps.Api.Diagnostics;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Pages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.Api.Security;

/// <summary>
/// Caller authentication for both hosts, with the standard ASP.NET Core JWT bearer handler: Entra ID access tokens in
/// Azure, the dev sign-in provider's locally; only <see cref="AuthOptions"/> differ. The instance API also takes the
/// system key. The standalone host runs it as middleware; the Functions app calls the same handlers from its triggers.
/// </summary>
public static class AuthenticationSetup
{
    /// <summary>The scheme every endpoint authenticates with: the system key header when sent, else a bearer token.</summary>
    public const string Scheme = "AgentOps";

    /// <summary>The approval pages' sign-in: a cookie set after an OpenID Connect code flow with PKCE.</summary>
    public const string PagesScheme = "AgentOps.Pages";

    /// <summary>The OpenID Connect handler the pages challenge with (same authority as the API).</summary>
    public const string PagesSignInScheme = "AgentOps.Pages.OpenIdConnect";


    public static IServiceCollection AddAgentOpsAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateOnStart();
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
            .AddJwtBearer()
            .AddCookie(PagesScheme)
            .AddOpenIdConnect(PagesSignInScheme, _ => { });
        // A failed sign-in callback is logged once, with its reason and no stack, by OnRemoteFailure; the handler's own
        // error log would add the exception with its stack (a replayed code, a provider's refusal) on both hosts.
        services.AddLogging(logging => logging.AddFilter(typeof(OpenIdConnectHandler).FullName, LogLevel.Critical));
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>(Configure);
        services.AddOptions<CookieAuthenticationOptions>(PagesScheme).Configure(ConfigurePagesCookie);
        services.AddOptions<OpenIdConnectOptions>(PagesSignInScheme).Configure<IOptions<AuthOptions>>(ConfigurePagesSignIn);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "agentops.antiforgery";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__antiforgery";
            o.SuppressXFrameOptionsHeader = false;
        });
        // Endpoints declare their policy; any route without one (an unknown path included) still needs a verified caller.
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build())
            .AddAgentOpsPolicies();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuthorizationResultHandler>();
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
                if (context.Principal is null || CallerClaims.From(context.Principal) is null)
                {
                    context.Fail("the token names no usable object id (oid: at most 64 characters): there is no stable principal to record");
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

    /// <summary>A short-lived, HTTP-only cookie, only for the approval pages; an unauthenticated page request gets a 401, not a redirect.</summary>
    private static void ConfigurePagesCookie(CookieAuthenticationOptions cookie)
    {
        cookie.Cookie.Name = "agentops.pages";
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Lax;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        cookie.ExpireTimeSpan = TimeSpan.FromMinutes(30);
        cookie.SlidingExpiration = false;
        cookie.Events.OnRedirectToLogin = context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        };
        cookie.Events.OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// People sign in to the pages with the authorization-code flow and PKCE at the same authority, answered by query
    /// (the dev provider's only mode; Entra's too for code), so the correlation cookies can be SameSite=Lax.
    /// </summary>
    private static void ConfigurePagesSignIn(OpenIdConnectOptions oidc, IOptions<AuthOptions> options)
    {
        var auth = options.Value;
        oidc.Authority = auth.Authority;
        oidc.ClientId = auth.PagesClientId;
        oidc.ClientSecret = auth.PagesClientSecret;
        oidc.ResponseType = "code";
        oidc.ResponseMode = "query";
        oidc.UsePkce = true;
        oidc.RequireHttpsMetadata = !auth.IsLoopbackAuthority;
        oidc.MapInboundClaims = false;
        oidc.SaveTokens = false;
        oidc.GetClaimsFromUserInfoEndpoint = false;
        oidc.SignInScheme = PagesScheme;
        oidc.CallbackPath = auth.PagesCallbackPath;
        oidc.Scope.Clear();
        oidc.Scope.Add("openid");
        oidc.Scope.Add("profile");
        oidc.TokenValidationParameters.NameClaimType = "name";
        oidc.TokenValidationParameters.RoleClaimType = "roles";
        oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
        oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        oidc.NonceCookie.SameSite = SameSiteMode.Lax;
        oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        // The provider's callback counts against the sign-in limit on either host (the standalone host's authentication
        // middleware answers it before the rate limiting middleware runs; Functions answers it from its own trigger).
        oidc.Events.OnMessageReceived = async context =>
        {
            if (!await context.HttpContext.RequestServices.GetRequiredService<ApiRateLimiter>().TryAcquireAsync(context.HttpContext, RateLimited.SignIn))
            {
                context.HandleResponse();
            }
        };
        oidc.Events.OnRemoteFailure = context =>
        {
            context.HandleResponse();
            return WriteCallbackRefusalAsync(context.HttpContext, context.Failure);
        };
        oidc.Events.OnTokenValidated = context =>
        {
            var tid = context.Principal?.FindFirst("tid")?.Value;
            if (context.Principal is null || CallerClaims.From(context.Principal) is null)
            {
                context.Fail("the id token names no usable object id (oid)");
            }
            else if (auth.TenantId is { Length: > 0 } tenant && !string.Equals(tid, tenant, StringComparison.OrdinalIgnoreCase))
            {
                context.Fail($"the id token is from tenant '{Bounded(tid)}'; this host accepts only tenant '{tenant}'");
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// Lets the pages' OpenID Connect handler answer the authority's callback where no authentication middleware runs
    /// (a Functions trigger); true when it did.
    /// </summary>
    public static async Task<bool> HandlePagesCallbackAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var handlers = http.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>();
        return await handlers.GetHandlerAsync(http, PagesSignInScheme) is IAuthenticationRequestHandler handler && await handler.HandleRequestAsync();
    }

    /// <summary>
    /// A sign-in callback that cannot complete (a missing or foreign state, a replayed or expired code, an error from the
    /// provider, the provider unreachable): a page that says why and what to do, logged as one line without the
    /// exception's stack, the code or the state. Nothing is signed in.
    /// </summary>
    private static Task WriteCallbackRefusalAsync(HttpContext http, Exception? failure)
    {
        var providerError = http.Request.Query["error"].ToString();
        var (status, reason, detail) = failure switch
        {
            _ when providerError.Length > 0 => (400, $"the sign-in provider answered error '{Bounded(Safe(providerError))}'",
                $"The sign-in provider did not sign you in (it answered '{Bounded(Safe(providerError))}'). Open the approval link again and sign in."),
            HttpRequestException or InvalidOperationException { InnerException: HttpRequestException } or TaskCanceledException => (503,
                "the sign-in provider could not be reached", "The sign-in provider could not be reached to finish signing you in. Try again shortly."),
            Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectProtocolException => (400,
                "the sign-in provider refused to redeem the code (already used, expired, or not issued to this host)",
                "This sign-in was already completed or has expired. Open the approval link again and sign in."),
            _ when failure?.Message.Contains("Correlation failed", StringComparison.Ordinal) == true => (400,
                "no sign-in started by this browser matches the callback (it was already completed, it expired, or cookies are blocked)",
                "This sign-in was not started here, was already completed, or has expired. Open the approval link again and sign in (cookies must be allowed)."),
            _ when failure?.Message.Contains("State", StringComparison.OrdinalIgnoreCase) == true => (400,
                "the callback's state is missing or was not issued by this host",
                "This sign-in answer was not issued for this host, or it was altered. Open the approval link again and sign in."),
            _ => (400, $"the callback was refused ({Bounded(failure?.GetType().Name)})",
                "This sign-in answer could not be accepted. Open the approval link again and sign in."),
        };
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuthenticationSetup).FullName!).SignInCallbackRefused(status, reason);
        return new HtmlPage().Heading("DurableAgentOps sign-in").Banner("refused", "Sign-in failed.", detail).WriteAsync(http.Response, status, "Sign-in failed");
    }

    /// <summary>An error code as OAuth spells them (letters, digits, '_', '-', '.'); anything else is not repeated back.</summary>
    private static string Safe(string code) => code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? code : "(not a valid error code)";

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

using System.Globalization;
using DurableAgentOps.Api.Diagnostics;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api.Security;

/// <summary>
/// What a caller a policy refused is told, on both hosts: an API caller gets the bearer challenge (401, naming what to
/// send) or a 403 problem naming the app role the endpoint needs and the roles they hold; a person in a browser is sent
/// to sign in, or shown a page that says the same.
/// </summary>
internal sealed class AuthorizationResultHandler(ILogger<AuthorizationResultHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        var endpoint = context.GetEndpoint();
        var page = endpoint?.Metadata.GetMetadata<PageEndpoint>() is not null;
        if (authorizeResult.Challenged)
        {
            if (page)
            {
                // Back to this very page (and query) after the sign-in, whatever prefix the host serves it under.
                var back = (context.Request.PathBase + context.Request.Path + context.Request.QueryString).ToString();
                HtmlPage.Secure(context.Response);
                await context.ChallengeAsync(AuthenticationSetup.PagesSignInScheme, new AuthenticationProperties { RedirectUri = back });
            }
            else
            {
                await context.ChallengeAsync(AuthenticationSetup.Scheme);
            }

            return;
        }

        var detail = Refusal(endpoint?.Metadata.GetMetadata<GuardedAction>()?.Text ?? "This", authorizeResult.AuthorizationFailure, context);

        // A signed-in person turned away is worth an operator's look (who tried to read evidence, say); the path is not
        // logged as sent, since an approval page's path is its link.
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        logger.AccessRefused(endpoint?.DisplayName ?? "(none)", CallerClaims.From(context.User)?.Id ?? "(unknown)", route, detail);
        if (page)
        {
            await new HtmlPage().Heading("DurableAgentOps").Banner("refused", "Not allowed", detail + " Ask an administrator to assign it.")
                .WriteAsync(context.Response, StatusCodes.Status403Forbidden, "Not allowed");
            return;
        }

        await Results.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed.").ExecuteAsync(context);
    }

    /// <summary>"Starting a run needs the app role AgentOps.Starter; Mallory holds no app role." — what was missing, and what the caller has.</summary>
    private static string Refusal(string action, AuthorizationFailure? failure, HttpContext context)
    {
        var caller = CallerClaims.From(context.User);
        var who = caller?.Name ?? "the caller";
        var failed = failure?.FailedRequirements.ToList() ?? [];
        if (failed.OfType<ClaimsAuthorizationRequirement>().Any(c => c.ClaimType == "oid"))
        {
            return $"{action} needs a signed-in person (a token that names an object id); {who} is not one. Sign in (agentops login).";
        }

        var roles = failed.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToList();
        var needs = roles.Count switch
        {
            0 => "more than this caller has",
            1 => $"the app role {roles[0]}",
            _ => $"the app role {roles[0]} (or {string.Join(", ", roles.Skip(1))})",
        };
        var held = caller is null || caller.Roles.Count == 0
            ? "holds no app role"
            : "holds " + string.Join(", ", caller.Roles.Order(StringComparer.Ordinal));
        return string.Create(CultureInfo.InvariantCulture, $"{action} needs {needs}; {who} {held}.");
    }
}

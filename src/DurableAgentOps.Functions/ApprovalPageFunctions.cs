using DurableAgentOps.Api.Approvals;
using DurableAgentOps.Api.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace DurableAgentOps.Functions;

/// <summary>
/// The approval page on Functions, over the same handlers as the standalone host (ApprovalPages). No authentication
/// middleware runs here, so the sign-in callback is a trigger that hands the request to the OpenID Connect handler;
/// set AgentOps__Auth__PagesCallbackPath=/api/signin-oidc and AgentOps__Approvals__PublicBaseUrl to the app's /api URL.
/// </summary>
internal static class ApprovalPageFunctions
{
    [Function("ApprovalPage")]
    public static async Task<IResult> Page(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "approvals/{token}")] HttpRequest request, string token)
    {
        await (HttpMethods.IsPost(request.Method) ? ApprovalPages.PostAsync(request.HttpContext, token) : ApprovalPages.GetAsync(request.HttpContext, token));
        return Results.Empty;
    }

    [Function("ApprovalPageSignIn")]
    public static async Task<IResult> SignIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "approvals/{token}/sign-in")] HttpRequest request, string token)
    {
        await ApprovalPages.SignInAsync(request.HttpContext, token);
        return Results.Empty;
    }

    [Function("ApprovalSignInCallback")]
    public static async Task<IResult> Callback([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signin-oidc")] HttpRequest request) =>
        await AuthenticationSetup.HandlePagesCallbackAsync(request.HttpContext)
            ? Results.Empty
            : Results.Problem("No sign-in is in progress here.", statusCode: 400, title: "Unexpected sign-in callback.");
}

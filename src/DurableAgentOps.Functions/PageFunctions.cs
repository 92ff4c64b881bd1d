using DurableAgentOps.Api;
using DurableAgentOps.Api.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>
/// The approval page, the run page and the investigators' timeline pages on Functions, each the endpoint of the same name. No
/// authentication middleware runs here, so the pages' sign-in callback is a trigger that hands the request to the
/// OpenID Connect handler: set AgentOps__Auth__PagesCallbackPath=/api/signin-oidc and AgentOps__Approvals__PublicBaseUrl
/// to the app's /api URL.
/// </summary>
internal sealed class PageFunctions(EndpointInvoker endpoints)
{
    [Function("ApprovalPage")]
    public Task<IResult> Page(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "approvals/{token}")] HttpRequest request, [DurableClient] DurableTaskClient client, string token) =>
        ApiTrigger.InvokeAsync(endpoints, "ApprovalPage", request, client, ("token", token));

    [Function("ApprovalDecision")]
    public Task<IResult> Decision(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "approvals/{token}")] HttpRequest request, [DurableClient] DurableTaskClient client, string token) =>
        ApiTrigger.InvokeAsync(endpoints, "ApprovalDecision", request, client, ("token", token));

    [Function("ApprovalPageSignIn")]
    public Task<IResult> SignIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "approvals/{token}/sign-in")] HttpRequest request, [DurableClient] DurableTaskClient client,
        string token) =>
        ApiTrigger.InvokeAsync(endpoints, "ApprovalPageSignIn", request, client, ("token", token));

    [Function("RunTimelinePage")]
    public Task<IResult> Timeline(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/timeline")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "RunTimelinePage", request, client, ("runId", runId));

    [Function("RunTimelineReport")]
    public Task<IResult> TimelineReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/timeline/report")] HttpRequest request, [DurableClient] DurableTaskClient client,
        string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "RunTimelineReport", request, client, ("runId", runId));

    [Function("RunPage")]
    public Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/overview")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "RunPage", request, client, ("runId", runId));

    [Function("RunPageSignIn")]
    public Task<IResult> RunSignIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/overview/sign-in")] HttpRequest request, [DurableClient] DurableTaskClient client,
        string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "RunPageSignIn", request, client, ("runId", runId));

    /// <summary>Where the sign-in provider returns people to the pages (the standalone host's authentication middleware does this itself).</summary>
    [Function("ApprovalSignInCallback")]
    public static async Task<IResult> Callback([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signin-oidc")] HttpRequest request) =>
        await AuthenticationSetup.HandlePagesCallbackAsync(request.HttpContext)
            ? Results.Empty
            : Results.Problem("No sign-in is in progress here.", statusCode: 400, title: "Unexpected sign-in callback.");
}

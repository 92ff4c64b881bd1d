using DurableAgentOps.Api.Evidence;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace DurableAgentOps.Functions;

/// <summary>
/// The investigators' timeline page and incident report on Functions, over the same handlers as the standalone host
/// (TimelinePage). The page signs people in with the pages' OpenID Connect flow; its callback is ApprovalSignInCallback.
/// </summary>
internal static class EvidencePageFunctions
{
    [Function("RunTimelinePage")]
    public static async Task<IResult> Timeline([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/timeline")] HttpRequest request, string runId)
    {
        await TimelinePage.GetAsync(request.HttpContext, runId);
        return Results.Empty;
    }

    [Function("RunTimelineReport")]
    public static async Task<IResult> PageReport([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/timeline/report")] HttpRequest request, string runId)
    {
        await TimelinePage.ReportAsync(request.HttpContext, runId);
        return Results.Empty;
    }

    [Function("RunReport")]
    public static Task<IResult> Report([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/report")] HttpRequest request, string runId) =>
        TimelinePage.ApiReportAsync(request.HttpContext, runId, request.HttpContext.RequestAborted);
}

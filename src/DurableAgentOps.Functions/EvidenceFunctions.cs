using DurableAgentOps.Api.Evidence;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>The investigators' evidence API with the standalone host's routes, over the same handlers (EvidenceHttp).</summary>
internal sealed class EvidenceFunctions
{
    [Function("SearchEvidence")]
    public Task<IResult> Search([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "evidence/runs")] HttpRequest request) =>
        EvidenceHttp.SearchAsync(request.HttpContext, request.HttpContext.RequestAborted);

    [Function("EvidenceLog")]
    public Task<IResult> Log([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "evidence/log")] HttpRequest request) =>
        EvidenceHttp.LogAsync(request.HttpContext, request.HttpContext.RequestAborted);

    [Function("VerifyEvidence")]
    public Task<IResult> Verify([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "evidence/verify")] HttpRequest request) =>
        EvidenceHttp.VerifyAsync(request.HttpContext, request.HttpContext.RequestAborted);

    [Function("RunEvidence")]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/evidence")] HttpRequest request, string runId) =>
        EvidenceHttp.RunAsync(request.HttpContext, runId, request.HttpContext.RequestAborted);

    [Function("RunEvidenceBundle")]
    public Task<IResult> Bundle([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/evidence/bundle")] HttpRequest request, string runId) =>
        EvidenceHttp.BundleAsync(request.HttpContext, runId, request.HttpContext.RequestAborted);

    [Function("PurgeRunEvidence")]
    public Task<IResult> Purge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "runs/{runId}/evidence")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string runId) =>
        EvidenceHttp.PurgeAsync(request.HttpContext, client, runId, request.HttpContext.RequestAborted);

    [Function("PurgeExpiredEvidence")]
    public Task<IResult> PurgeExpired(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "evidence/purge")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        EvidenceHttp.PurgeExpiredAsync(request.HttpContext, client, request.HttpContext.RequestAborted);
}

using DurableAgentOps.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>The investigators' evidence API, report and replay on Functions: each trigger is the endpoint of the same name.</summary>
internal sealed class EvidenceFunctions(EndpointInvoker endpoints)
{
    [Function("SearchEvidence")]
    public Task<IResult> Search(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "evidence/runs")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "SearchEvidence", request, client);

    [Function("EvidenceLog")]
    public Task<IResult> Log(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "evidence/log")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "EvidenceLog", request, client);

    [Function("EvidenceHead")]
    public Task<IResult> Head(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "evidence/head")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "EvidenceHead", request, client);

    [Function("VerifyEvidence")]
    public Task<IResult> Verify(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "evidence/verify")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "VerifyEvidence", request, client);

    [Function("RunEvidence")]
    public Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/evidence")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "RunEvidence", request, client, ("runId", runId));

    [Function("RunEvidenceBundle")]
    public Task<IResult> Bundle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/evidence/bundle")] HttpRequest request, [DurableClient] DurableTaskClient client,
        string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "RunEvidenceBundle", request, client, ("runId", runId));

    [Function("PurgeRunEvidence")]
    public Task<IResult> Purge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "runs/{runId}/evidence")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "PurgeRunEvidence", request, client, ("runId", runId));

    [Function("PurgeExpiredEvidence")]
    public Task<IResult> PurgeExpired(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "evidence/purge")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "PurgeExpiredEvidence", request, client);

    [Function("RunReport")]
    public Task<IResult> Report(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/report")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "RunReport", request, client, ("runId", runId));

    [Function("ReplayRun")]
    public Task<IResult> ReplayRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/replay")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "ReplayRun", request, client, ("runId", runId));

    [Function("ReplayBundle")]
    public Task<IResult> ReplayBundle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "replay")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "ReplayBundle", request, client);
}

using DurableAgentOps.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>
/// The run API on Functions: each trigger is the endpoint of the same name in <see cref="AgentOpsApiEndpoints"/>,
/// anonymous to the Functions host because the endpoint's policy decides (as on the standalone host).
/// </summary>
internal sealed class RunFunctions(EndpointInvoker endpoints)
{
    [Function("StartRun")]
    public Task<IResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "workflows/{name}/runs")] HttpRequest request, [DurableClient] DurableTaskClient client, string name) =>
        ApiTrigger.InvokeAsync(endpoints, "StartRun", request, client, ("name", name));

    [Function("GetRun")]
    public Task<IResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "GetRun", request, client, ("runId", runId));

    [Function("PendingApprovals")]
    public Task<IResult> PendingApprovals(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "approvals")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "PendingApprovals", request, client);

    [Function("ApproveRun")]
    public Task<IResult> ApproveRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{runId}/approvals")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "ApproveRun", request, client, ("runId", runId));

    [Function("ResumeRun")]
    public Task<IResult> ResumeRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{runId}/resume")] HttpRequest request, [DurableClient] DurableTaskClient client, string runId) =>
        ApiTrigger.InvokeAsync(endpoints, "ResumeRun", request, client, ("runId", runId));
}

using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Functions;

/// <summary>
/// The run API with the standalone host's routes, over the same handlers (RunHttp). The durable client is a
/// binding, so the RunService is built per request around it.
/// </summary>
internal sealed class RunApiFunctions(WorkflowCatalog workflows, IOptions<AgentOpsRunOptions> options)
{
    [Function("StartRun")]
    public Task<IResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "workflows/{name}/runs")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name) =>
        RunHttp.StartAsync(Runs(client), name, request, request.HttpContext.RequestAborted);

    [Function("GetRun")]
    public Task<IResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{runId}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string runId) =>
        RunHttp.GetAsync(Runs(client), runId, request.HttpContext.RequestAborted);

    [Function("ApproveRun")]
    public Task<IResult> ApproveRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{runId}/approvals")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string runId) =>
        RunHttp.ApproveAsync(Runs(client), runId, request, request.HttpContext.RequestAborted);

    private RunService Runs(DurableTaskClient client) => new(client, workflows, options);
}

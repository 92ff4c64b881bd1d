using DurableAgentOps.Api.Runs;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Functions;

/// <summary>
/// The run API with the standalone host's routes, over the same handlers (RunHttp), which authenticate the caller
/// with the same JWT bearer set-up: the triggers are anonymous to the Functions host so the handlers decide. The
/// durable client is a binding, so the RunService is built per request around it.
/// </summary>
internal sealed class RunApiFunctions(IServiceProvider services)
{
    [Function("StartRun")]
    public Task<IResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "workflows/{name}/runs")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name) =>
        RunHttp.StartAsync(Runs(client), request.HttpContext, name, request.HttpContext.RequestAborted);

    [Function("GetRun")]
    public Task<IResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string runId) =>
        RunHttp.GetAsync(Runs(client), request.HttpContext, runId, request.HttpContext.RequestAborted);

    [Function("ApproveRun")]
    public Task<IResult> ApproveRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{runId}/approvals")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string runId) =>
        RunHttp.ApproveAsync(Runs(client), request.HttpContext, runId, request.HttpContext.RequestAborted);

    [Function("PendingApprovals")]
    public Task<IResult> PendingApprovals(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "approvals")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        RunHttp.PendingAsync(Runs(client), request.HttpContext, request.HttpContext.RequestAborted);

    private RunService Runs(DurableTaskClient client) => ActivatorUtilities.CreateInstance<RunService>(services, client);
}

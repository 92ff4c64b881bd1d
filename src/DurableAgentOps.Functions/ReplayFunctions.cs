using DurableAgentOps.Api.Replay;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>
/// The replay API with the standalone host's routes, over the same handlers (ReplayHttp), which authenticate the
/// caller themselves (Reader or Administrator). Where the Functions durable client reads no histories, a run is
/// replayed from its evidence ledger and the answer says so.
/// </summary>
internal sealed class ReplayFunctions
{
    [Function("ReplayRun")]
    public Task<IResult> ReplayRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{runId}/replay")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string runId) =>
        ReplayHttp.RunAsync(request.HttpContext, client, runId, request.HttpContext.RequestAborted);

    [Function("ReplayBundle")]
    public Task<IResult> ReplayBundle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "replay")] HttpRequest request) =>
        ReplayHttp.BundleAsync(request.HttpContext, request.HttpContext.RequestAborted);
}

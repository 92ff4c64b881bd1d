using DurableAgentOps.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>
/// GET /api/host and POST /api/systems/check on Functions: the endpoints of the same names in
/// <see cref="AgentOpsApiEndpoints"/> (their policies decide).
/// </summary>
internal sealed class HostFunctions(EndpointInvoker endpoints)
{
    [Function("GetHost")]
    public Task<IResult> GetHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "host")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "GetHost", request, client);

    [Function("CheckSystems")]
    public Task<IResult> CheckSystems(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "systems/check")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "CheckSystems", request, client);
}

using DurableAgentOps.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>GET /api/host on Functions: the endpoint of the same name in <see cref="AgentOpsApiEndpoints"/> (its policy decides).</summary>
internal sealed class HostFunctions(EndpointInvoker endpoints)
{
    [Function("GetHost")]
    public Task<IResult> GetHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "host")] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        ApiTrigger.InvokeAsync(endpoints, "GetHost", request, client);
}

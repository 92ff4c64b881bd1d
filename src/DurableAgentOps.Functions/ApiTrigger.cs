using DurableAgentOps.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Functions;

/// <summary>What every HTTP trigger does: hand the request, its durable client and route values to the endpoint of the same name.</summary>
internal static class ApiTrigger
{
    public static async Task<IResult> InvokeAsync(
        EndpointInvoker endpoints, string name, HttpRequest request, DurableTaskClient client, params (string Name, string Value)[] routeValues)
    {
        request.HttpContext.RequestServices.GetRequiredService<RequestDurableClient>().Client = client;
        await endpoints.InvokeAsync(name, request.HttpContext, routeValues);
        return Results.Empty; // the endpoint has written the response
    }
}

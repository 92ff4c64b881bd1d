using System.Net;
using System.Text.Json;
using DurableAgentOps.Runtime;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Samples;
using RunHttp = DurableAgentOps.Runtime.Workflows.RunHttp;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>
/// Thin Functions wrappers over the orchestrators and activities the standalone host runs: the logic lives in
/// DurableAgentOps.Runtime, so both hosts run the same code.
/// </summary>
internal sealed class GovernedRunFunctions(WorkerInfo worker)
{
    public const string StarterName = "StartOrchestration";

    [Function(GovernedRunOrchestrator.Name)]
    public static Task<GovernedRunResult> GovernedRun([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new GovernedRunOrchestrator().RunAsync(context, context.GetInput<GovernedRunInput>()!);

    // instanceId is not a binding: the worker fills it from the activity trigger's metadata.
    [Function(SampleStepActivity.Name)]
    public Task<StepRecord> SampleStep([ActivityTrigger] SampleStep input, string instanceId) =>
        new SampleStepActivity(worker).RunAsync(new TriggerActivityContext(SampleStepActivity.Name, instanceId), input);

    /// <summary>The orchestrators the generic starter may start; governed runs start only through the run API.</summary>
    public static readonly IReadOnlyList<string> Startable = [GovernedRunOrchestrator.Name];

    /// <summary>
    /// Starts an orchestration: same route, body and rules as the standalone host's starter (administrators only, a
    /// startable orchestrator by name, an instance id never reused).
    /// </summary>
    [Function(StarterName)]
    public static async Task<HttpResponseData> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orchestrators/{name}/{instanceId?}")] HttpRequestData request,
        [DurableClient] DurableTaskClient client,
        string name,
        string? instanceId)
    {
        var ct = request.FunctionContext.CancellationToken;
        var http = request.FunctionContext.GetHttpContext()!;
        var (caller, _) = await RunHttp.AuthenticateAsync(http);
        if (caller is null || !caller.IsInRole(AppRoles.Administrator))
        {
            return await Refuse(request, caller is null ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden,
                caller is null ? "Send a bearer token of an administrator (or the system key in x-functions-key)." : $"The generic starter needs the app role {AppRoles.Administrator}.");
        }

        if (!Startable.Contains(name, StringComparer.Ordinal))
        {
            return await Refuse(request, HttpStatusCode.BadRequest, $"No startable orchestrator named '{name}' (governed runs start through /api/workflows/{{name}}/runs); startable: {string.Join(", ", Startable)}.");
        }

        if (instanceId is not null && RunHttp.InvalidId(instanceId, "instanceId") is not null)
        {
            return await Refuse(request, HttpStatusCode.BadRequest, $"'instanceId' must be 1-{RunHttp.MaxIdLength} letters, digits, '-', '_', '.' or ':'.");
        }

        if (instanceId is not null && await client.GetInstanceAsync(instanceId, ct) is not null)
        {
            return await Refuse(request, HttpStatusCode.Conflict, $"An instance with id '{instanceId}' exists; ids are never reused.");
        }

        JsonElement? input = null;
        var body = await request.ReadAsStringAsync();
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                // Passed on as raw JSON: the orchestrator's GetInput<T> picks the type, as on the standalone host.
                input = JsonSerializer.Deserialize<JsonElement>(body);
            }
            catch (JsonException ex)
            {
                return await Refuse(request, HttpStatusCode.BadRequest, "The request body is not valid JSON: " + ex.Message);
            }
        }

        var id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(instanceId), ct);
        return await client.CreateCheckStatusResponseAsync(request, id, ct);
    }

    private static async Task<HttpResponseData> Refuse(HttpRequestData request, HttpStatusCode status, string detail)
    {
        var response = request.CreateResponse(status);
        await response.WriteAsJsonAsync(new { title = status.ToString(), status = (int)status, detail }, request.FunctionContext.CancellationToken);
        response.StatusCode = status;
        return response;
    }
}

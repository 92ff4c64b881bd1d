using System.Net;
using System.Text.Json;
using DurableAgentOps.Runtime;
using DurableAgentOps.Runtime.Samples;
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

    /// <summary>Starts an orchestration: same route and body as the standalone host's starter.</summary>
    [Function(StarterName)]
    public static async Task<HttpResponseData> Start(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orchestrators/{name}/{instanceId?}")] HttpRequestData request,
        [DurableClient] DurableTaskClient client,
        string name,
        string? instanceId)
    {
        var ct = request.FunctionContext.CancellationToken;
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
                var bad = request.CreateResponse(HttpStatusCode.BadRequest);
                await bad.WriteStringAsync("The request body is not valid JSON: " + ex.Message, ct);
                return bad;
            }
        }

        var id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(instanceId), ct);
        return await client.CreateCheckStatusResponseAsync(request, id, ct);
    }
}

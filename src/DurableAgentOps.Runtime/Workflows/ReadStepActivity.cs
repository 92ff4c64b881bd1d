using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>A read step: one read operation under a reader identity.</summary>
public sealed class ReadStepActivity(SystemClient systems, WorkerInfo worker, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<ReadStepActivity> logger)
    : StepActivityBase(worker, clientIds, options, logger)
{
    public const string Name = nameof(ReadStepActivity);

    protected override async Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        var call = ConnectorOperations.Build(input.Step.Operation!, input.Data);
        Guard(input, call);
        var result = await systems.SendAsync(call, input.ClientId, idempotencyKey: null, CancellationToken.None);
        ConnectorOperations.CheckAnswer(call, input.Data, result);
        var output = result as JsonObject ?? new JsonObject { ["items"] = result?.DeepClone() };
        return (output, [call.Operation], call.Record is null ? [] : [call.Record.Id], null);
    }
}

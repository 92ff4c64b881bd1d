using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>A read step: one read operation under a reader identity.</summary>
public sealed class ReadStepActivity(SystemClient systems, Redactor redactor, WorkerInfo worker, CarriedEvidence carried, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<ReadStepActivity> logger)
    : StepActivityBase(worker, carried, clientIds, options, logger)
{
    public const string Name = nameof(ReadStepActivity);

    protected override async Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        var (data, values) = await redactor.RevealAsync(input.RunId, input.Data, CancellationToken.None);
        var (operation, system) = DeclaredCalls.Find(input, input.Step.Operation!);
        var call = DeclaredCalls.Build(operation, system, (JsonObject)data!);
        Guard(input, call);
        var answer = await systems.SendAsync(call, input.ClientId, idempotencyKey: null, CancellationToken.None, Delegated);
        var result = DeclaredCalls.CheckAnswer(operation, (JsonObject)data!, answer);
        var read = Redactor.Scrub(result as JsonObject ?? new JsonObject { ["items"] = result?.DeepClone() }, values) as JsonObject ?? [];

        // Redacted fields are sealed before the output leaves the activity: history, status and evidence never hold them.
        var output = await redactor.RedactAsync(input.RunId, RunData.AliasOf(input.Step), read, input.Redact, CancellationToken.None);
        return (output, [call.Operation], call.Record is null ? [] : [Redactor.ScrubText(call.Record.Id, values)], null);
    }
}

using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Writer;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A write step: each write operation in the step's scope that the draft gave content for, under the writer identity.
/// In a shared-app workflow this app sends the calls (<see cref="ChangeWriter"/>); in a separate-writer one it hands
/// the writer a signed intent and the writer, which alone holds the writer identity, checks and sends them. Either
/// way a call that fails stops the step with a <see cref="WriteIncompleteException"/> naming the calls made and not
/// made, and every retry sends the same calls with the same idempotency keys.
/// </summary>
public sealed class WriteStepActivity(
    ChangeWriter changes, WriterClient writerClient, DecisionStore decisions, TimeProvider time, WorkerInfo worker, CarriedEvidence carried,
    ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, IOptions<WriterOptions> writerOptions, ILogger<WriteStepActivity> logger)
    : StepActivityBase(worker, carried, clientIds, options, logger)
{
    public const string Name = nameof(WriteStepActivity);

    // The writer's answer, when it made the write: the step's record names its process and the client id it wrote under.
    private WriterAnswer? writtenBy;

    public override async Task<StepRecord> RunAsync(TaskActivityContext context, StepInvocation input)
    {
        var record = await base.RunAsync(context, input);
        return writtenBy is { } writer ? record with { Worker = writer.Worker, ClientId = writer.ClientId } : record;
    }

    protected override async Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        var calls = WriteChange.BuildCalls(input);

        // What was approved is what is written: the same calls, to the byte, or nothing.
        if (input.ApprovedChangeDigest is { } approved && WriteChange.Digest(calls) != approved)
        {
            throw new StepRefusedException($"the change this step would send ({WriteChange.Digest(calls)[..12]}…) is not the one approved ({approved[..Math.Min(12, approved.Length)]}…)");
        }

        // Guard every call before any is sent: a refusal must leave the system untouched.
        foreach (var call in calls)
        {
            Guard(input, call);
        }

        var records = calls.Select(c => c.Record!.Id).Distinct().ToList();
        if (input.Writer is { } run)
        {
            var answer = await HandToWriterAsync(input, run);
            writtenBy = answer;
            return (answer.Output, answer.Operations, answer.Records, null);
        }

        var output = await changes.WriteAsync(input.RunId, input.Step.Id, input.ClientId, calls, CancellationToken.None, Delegated);
        return (output, calls.Select(c => c.Operation).ToList(), records, null);
    }

    /// <summary>The intent: the step's data, the approved change's digest and the decisions that approved it, signed.</summary>
    private async Task<WriterAnswer> HandToWriterAsync(StepInvocation input, WriterRun run)
    {
        if (writerOptions.Value.Url is null)
        {
            throw new StepRefusedException($"isolation separate-writer: this app has no writer ({WriterOptions.Section}:Url); the write is refused");
        }

        var key = writerOptions.Value.Key ?? throw new StepRefusedException($"isolation separate-writer: this app has no intent key ({WriterOptions.Section}:IntentKey); the write is refused");
        var approvals = input.ApprovedChangeDigest is { } digest
            ? (await decisions.DecisionsOfAsync(input.RunId, input.Step.Id, CancellationToken.None)).Where(d => d.Approved && d.ChangeDigest == digest).ToList()
            : [];
        var intent = new WriteIntent(input.RunId, input.Workflow, run.DefinitionSha256, input.Step.Id, run.Environment, run.InitiatorId,
            input.ApprovedChangeDigest, [.. approvals.Select(a => a.DecisionId)], input.Data, time.GetUtcNow());
        logger.WriteHandedToWriter(input.RunId, input.Step.Id, writerClient.Writer?.Authority ?? "(none)");
        return await writerClient.WriteAsync(WriteIntentSeal.Sign(intent, key), CancellationToken.None);
    }
}

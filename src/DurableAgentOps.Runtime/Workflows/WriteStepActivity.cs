using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A write step: each write operation in the step's scope that the draft gave content for, under the writer
/// identity, with an idempotency key per run, step and operation, because activities run at least once. A call that
/// fails stops the step with a <see cref="WriteIncompleteException"/> naming the calls made and not made; every retry and
/// resume sends the same calls with the same keys, so a call the system already applied is not applied twice.
/// </summary>
public sealed class WriteStepActivity(SystemClient systems, Redactor redactor, WorkerInfo worker, CarriedEvidence carried, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<WriteStepActivity> logger)
    : StepActivityBase(worker, carried, clientIds, options, logger)
{
    public const string Name = nameof(WriteStepActivity);

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

        var output = new JsonObject();
        var made = new List<string>();
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            try
            {
                // The system gets redacted values in clear; what the step keeps of its answer gets their markers back.
                var (body, values) = await redactor.RevealAsync(input.RunId, call.Body, CancellationToken.None);
                var (arguments, argumentValues) = await redactor.RevealAsync(input.RunId, call.Mcp?.Arguments, CancellationToken.None);
                var revealed = call with { Body = body as JsonObject, Mcp = call.Mcp is { } mcp ? mcp with { Arguments = (JsonObject)arguments! } : null };
                var key = $"{input.RunId}:{input.Step.Id}:{call.Operation}";
                var answer = await systems.SendAsync(revealed, input.ClientId, key, CancellationToken.None);
                output[call.Operation] = Redactor.Scrub(answer, values.Concat(argumentValues).DistinctBy(v => v.Key).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal));
                made.Add(call.Operation);
            }
            catch (Exception ex)
            {
                // Which calls the system confirmed and which it did not: the run's status and evidence say so exactly.
                throw new WriteIncompleteException([.. made], call.Operation, [.. calls.Skip(i + 1).Select(c => c.Operation)], ex);
            }
        }

        return (output, calls.Select(c => c.Operation).ToList(), calls.Select(c => c.Record!.Id).Distinct().ToList(), null);
    }
}

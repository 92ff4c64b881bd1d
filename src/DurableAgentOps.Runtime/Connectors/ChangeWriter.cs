using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Sends a write step's calls in order under the writer identity, with an idempotency key per run, step and operation,
/// because a write runs at least once. A call that fails stops the write with a <see cref="WriteIncompleteException"/>
/// naming the calls made and not made; a retry sends the same calls with the same keys, so a call the system already
/// applied is not applied twice. Used in the main app for shared-app workflows and in the writer for separate-writer ones.
/// </summary>
public sealed class ChangeWriter(SystemClient systems, Redactor redactor)
{
    /// <summary>The system's answers by operation, redacted values given their markers back.</summary>
    public async Task<JsonObject> WriteAsync(string runId, string stepId, string clientId, IReadOnlyList<SystemCall> calls, CancellationToken cancellationToken, Identity.DelegatedCall? delegated = null)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var output = new JsonObject();
        var made = new List<string>();
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            try
            {
                // The system gets redacted values in clear; what the step keeps of its answer gets their markers back.
                var (body, values) = await redactor.RevealAsync(runId, call.Body, cancellationToken);
                var (arguments, argumentValues) = await redactor.RevealAsync(runId, call.Mcp?.Arguments, cancellationToken);
                var revealed = call with { Body = body as JsonObject, Mcp = call.Mcp is { } mcp ? mcp with { Arguments = (JsonObject)arguments! } : null };
                var answer = await systems.SendAsync(revealed, clientId, $"{runId}:{stepId}:{call.Operation}", cancellationToken, delegated);
                output[call.Operation] = Redactor.Scrub(answer, values.Concat(argumentValues).DistinctBy(v => v.Key).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal));
                made.Add(call.Operation);
            }
            catch (Exception ex)
            {
                // Which calls the system confirmed and which it did not: the run's status and evidence say so exactly.
                throw new WriteIncompleteException([.. made], call.Operation, [.. calls.Skip(i + 1).Select(c => c.Operation)], ex);
            }
        }

        return output;
    }
}

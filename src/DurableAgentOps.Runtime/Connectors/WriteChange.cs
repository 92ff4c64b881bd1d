using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// The exact change a write step will send, computed when its gate opens: each field and value per call, with the
/// value the run read before where it has one, and the SHA-256 of the calls. The write sends exactly these calls or
/// refuses: what was approved is what is written.
/// </summary>
public sealed record ProposedChange(IReadOnlyList<ChangeLine> Lines, IReadOnlyList<string> Records, string Digest)
{
    /// <summary>A one-line summary for subjects and lists: "crm.tasks.create, crm.notes.create on ACC-000002".</summary>
    public string Summary => $"{string.Join(", ", Lines.Select(l => l.Operation).Distinct(StringComparer.Ordinal))} on {string.Join(", ", Records)}";
}

/// <summary>The calls a write step makes, built once for the gate's change and again for the write itself.</summary>
public static class WriteChange
{
    /// <summary>
    /// Each write operation in the step's scope that the data has content for; the step's main operation must be
    /// buildable (else a refusal says what is missing).
    /// </summary>
    public static IReadOnlyList<SystemCall> BuildCalls(StepDefinition step, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.Scope.Operations.DefaultIfEmpty(step.Operation!)
            .Where(ConnectorOperations.IsKnown)
            .Select(op => TryBuild(op, data, op == step.Operation))
            .OfType<SystemCall>()
            .ToList();
    }

    public static ProposedChange Describe(IReadOnlyList<SystemCall> calls, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var lines = calls.SelectMany(call => (call.Body ?? []).Select(field => new ChangeLine(
            call.System, call.Operation, call.Record?.Id ?? "(none)", field.Key,
            call.Source is null ? null : RunData.Text(data, $"{call.Source}.{field.Key}"), Text(field.Value)))).ToList();
        var records = calls.Select(c => c.Record?.Id).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return new ProposedChange(lines, records, Digest(calls));
    }

    /// <summary>SHA-256 over the canonical JSON of every call: operation, method, path, record and body.</summary>
    public static string Digest(IEnumerable<SystemCall> calls) => CanonicalJson.Sha256(new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject
    {
        ["operation"] = c.Operation,
        ["method"] = c.Method.Method,
        ["path"] = c.Path,
        ["record"] = c.Record?.Id,
        ["body"] = c.Body?.DeepClone(),
    })]));

    private static SystemCall? TryBuild(string operation, JsonObject data, bool required)
    {
        try
        {
            return ConnectorOperations.Build(operation, data);
        }
        catch (StepRefusedException) when (!required)
        {
            return null;
        }
    }

    private static string Text(JsonNode? value) => value switch
    {
        null => "(empty)",
        JsonValue v => v.ToString(),
        _ => value.ToJsonString(),
    };
}

using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>The calls a write step makes, built once for the gate's change and again for the write itself.</summary>
internal static class WriteChange
{
    /// <summary>
    /// Each write operation in the step's scope that the data has content for; the step's main operation must be
    /// buildable (else a refusal says what is missing).
    /// </summary>
    public static IReadOnlyList<SystemCall> BuildCalls(StepInvocation input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var step = input.Step;
        return step.Scope.Operations.DefaultIfEmpty(step.Operation!)
            .Select(op => TryBuild(input, op, op == step.Operation))
            .OfType<SystemCall>()
            .ToList();
    }

    public static ProposedChange Describe(IReadOnlyList<SystemCall> calls, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var lines = calls.SelectMany(call => call.Changes.Select(field => new ChangeLine(
            call.System, call.Operation, call.Record?.Id ?? "(none)", field.Key,
            call.Source is null ? null : RunData.Text(data, $"{call.Source}.{field.Key}"), ChangeLine.TextOf(field.Value)))).ToList();
        var records = calls.Select(c => c.Record?.Id).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var canonical = Canonical(calls);
        return new ProposedChange(lines, records, CanonicalJson.Sha256(canonical), canonical);
    }

    /// <summary>
    /// SHA-256 over the canonical JSON of every call: operation, method, path, record and body; for an MCP tool also
    /// its naming arguments and its pinned definition, so the approved change is the exact tool call.
    /// </summary>
    public static string Digest(IEnumerable<SystemCall> calls) => CanonicalJson.Sha256(Canonical(calls));

    /// <summary>The calls as the digest reads them.</summary>
    private static JsonArray Canonical(IEnumerable<SystemCall> calls) => new([.. calls.Select(c =>
    {
        var call = new JsonObject
        {
            ["operation"] = c.Operation,
            ["method"] = c.Method.Method,
            ["path"] = c.Path,
            ["record"] = c.Record?.Id,
            ["body"] = c.Body?.DeepClone(),
        };
        if (c.Mcp is { } mcp)
        {
            call["arguments"] = mcp.Arguments.DeepClone();
            call["tool"] = mcp.Tool.Sha256;
        }

        return (JsonNode)call;
    })]);

    /// <summary>The call for one operation; a scope operation besides the step's own is left out when the data has nothing for it.</summary>
    private static SystemCall? TryBuild(StepInvocation input, string operation, bool required)
    {
        try
        {
            var (declared, system) = DeclaredCalls.Find(input, operation);
            return DeclaredCalls.Build(declared, system, input.Data);
        }
        catch (StepRefusedException) when (!required)
        {
            return null;
        }
    }
}

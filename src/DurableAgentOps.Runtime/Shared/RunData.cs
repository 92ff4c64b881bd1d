using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// The data a step sees: the run input under <c>input</c>, and each <c>from</c> step's output under the alias that
/// conditions, templates and declarations name (a read's resource in the singular, <c>draft</c>, <c>route</c>; see
/// <see cref="StepAliases"/>). Pure functions: the orchestrator uses them.
/// </summary>
internal static class RunData
{
    public static string AliasOf(StepDefinition step) => StepAliases.Of(step);

    public static JsonObject Build(JsonObject input, IEnumerable<(StepDefinition Step, JsonObject? Output)> from)
    {
        var data = new JsonObject { ["input"] = input.DeepClone() };
        foreach (var (step, output) in from)
        {
            data[AliasOf(step)] = output?.DeepClone();
        }

        return data;
    }

    /// <summary>The string at a dotted path (<c>input.accountId</c>), or null when any part is missing.</summary>
    public static string? Text(JsonObject data, string path) => Node(data, path) is JsonValue value ? value.ToString() : null;

    /// <summary>The node at a dotted path below <paramref name="node"/>, or null when any part is missing.</summary>
    public static JsonNode? Node(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var next) ? next : null;
        }

        return node;
    }
}

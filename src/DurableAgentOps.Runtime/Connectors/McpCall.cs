using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// The MCP side of a <see cref="SystemCall"/>: the tool as its declaration pins it, the server's endpoint path, and the
/// arguments that name what the tool acts on. A write's fields (the change) are the call's body and are sent with them.
/// </summary>
public sealed record McpCall(McpToolDeclaration Tool, string Endpoint, JsonObject Arguments)
{
    /// <summary>The arguments whose value is not the record's id (<c>record.id</c>): values the call sets, not what it names.</summary>
    public IEnumerable<KeyValuePair<string, JsonNode?>> ValueArguments() =>
        Arguments.Where(a => Tool.Arguments.GetValueOrDefault(a.Key) != PathTemplate.RecordId);

    /// <summary>Everything the tool is called with: the naming arguments, then the body's fields.</summary>
    public JsonObject AllArguments(JsonObject? body)
    {
        var all = Arguments.DeepClone().AsObject();
        foreach (var (field, value) in body ?? [])
        {
            all[field] = value?.DeepClone();
        }

        return all;
    }
}

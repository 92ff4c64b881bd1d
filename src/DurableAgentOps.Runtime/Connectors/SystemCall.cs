using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Scope;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// One call to a system, built from its declaration: what it is, which record it touches (and what is known of it),
/// and the body. For a write, <see cref="Source"/> names the run data that holds the record as read (e.g. the alias of
/// the read step), for its values before. <see cref="Success"/> empty means any 2xx. <see cref="Mcp"/> is set for a tool of
/// an MCP system (then <see cref="Path"/> is the tool's name).
/// </summary>
public sealed record SystemCall(
    string Operation,
    string System,
    HttpMethod Method,
    string Path,
    RecordRef? Record,
    JsonObject? Body,
    string? Source = null,
    string IdempotencyHeader = OperationDeclaration.DefaultIdempotencyHeader,
    IReadOnlyList<int>? SuccessCodes = null,
    string? Resource = null,
    McpCall? Mcp = null)
{
    public IReadOnlyCollection<string> Fields => Body is null ? [] : Body.Select(p => p.Key).ToList();

    public IReadOnlyList<int> Success => SuccessCodes ?? [];
}

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
    /// <summary>
    /// What a write sets, field by field: its body and, for an MCP tool, the arguments that do not name the record (a
    /// value from run data is as much a change as a body field: the guard judges it and the approver sees it).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode?>> Changes => Body is null ? [] : [.. Body, .. Mcp?.ValueArguments() ?? []];

    public IReadOnlyCollection<string> Fields => [.. Changes.Select(p => p.Key)];

    public IReadOnlyList<int> Success => SuccessCodes ?? [];
}

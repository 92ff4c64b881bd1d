using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Core.Model;

/// <summary>
/// The hash a declaration pins an MCP tool by: SHA-256 (lowercase hex) of the canonical JSON of the server's
/// <c>name</c>, <c>description</c> and <c>inputSchema</c>. A server that changes what a tool says it does, or what it
/// takes, changes the hash, and the product refuses to call it until a person re-pins it.
/// </summary>
public static class McpToolHash
{
    public static string Compute(string name, string? description, JsonNode? inputSchema) =>
        CanonicalJson.Sha256(new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["inputSchema"] = inputSchema?.DeepClone(),
        });
}

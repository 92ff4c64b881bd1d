using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// The JSON the engine moves activity inputs and results in (System.Text.Json web defaults), and the digest evidence
/// and replay compare them by: SHA-256 of its canonical form. Pure, so the orchestrator may use it.
/// </summary>
internal static class EngineJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    public static string Digest<T>(T value) => CanonicalJson.Sha256(ToNode(value));
}

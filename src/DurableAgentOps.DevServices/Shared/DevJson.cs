using System.Text.Encodings.Web;
using System.Text.Json;

namespace DurableAgentOps.DevServices.Shared;

/// <summary>One JSON shape for responses, stored replies and table rows, so a replayed write reads like the first.</summary>
internal static class DevJson
{
    /// <summary>Web defaults; relaxed escaping keeps reasons readable (these are JSON APIs, never HTML).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

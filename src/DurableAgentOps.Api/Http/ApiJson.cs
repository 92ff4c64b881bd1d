using System.Text.Json;
using System.Text.Json.Serialization;

namespace DurableAgentOps.Api.Http;

/// <summary>The JSON every API answer is written in, explicit rather than the host's: payloads must not depend on which host serves them.</summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

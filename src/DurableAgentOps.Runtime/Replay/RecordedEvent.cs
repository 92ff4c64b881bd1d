using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>An external event the run received (an approval signal, say), with its payload.</summary>
internal sealed record RecordedEvent(string Name, JsonNode? Payload, DateTime At) : RecordedItem(At);

using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// An activity call and how it ended: its input as the engine serialized it, and its result, or its failure. Listed
/// where the run received the result; the run's calls are in the order it made them.
/// </summary>
public sealed record RecordedActivity(string Name, JsonNode? Input, JsonNode? Result, RecordedFailure? Failure, DateTime At) : RecordedItem(At);

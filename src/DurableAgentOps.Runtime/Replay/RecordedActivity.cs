using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// An activity call and how it ended: its input as the engine serialized it, and its result, or its failure. Listed
/// where the run received the result; the run's calls are in the order it made them. A source that keeps only the
/// input's digest (the evidence ledger) gives <see cref="InputDigest"/> and no <see cref="Input"/>: replay then compares
/// digests and can name no differing JSON path; <see cref="Step"/> then says which step the call was for. <see cref="Id"/>
/// is the call's sequence number among all the work the run scheduled (a history's TaskScheduled event id; each attempt
/// of a retried call has its own), null when the source does not give it.
/// </summary>
internal sealed record RecordedActivity(
    string Name, JsonNode? Input, JsonNode? Result, RecordedFailure? Failure, DateTime At, string? InputDigest = null, string? Step = null,
    [property: JsonPropertyOrder(-1)] int? Id = null) // written first, beside the kind: the input can be long
    : RecordedItem(At)
{
    /// <summary>The digest replay compares today's input with: the recorded one, else that of the recorded input.</summary>
    public string ExpectedDigest => InputDigest ?? ReplayJson.Digest(Input);
}

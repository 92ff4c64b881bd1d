using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>How a run ended: <c>completed</c> with its output, <c>failed</c> with its failure, or <c>terminated</c>.</summary>
public sealed record RecordedOutcome(string Status, JsonNode? Output = null, RecordedFailure? Failure = null)
{
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Terminated = "terminated";

    /// <summary>"completed: rejected" (the run result's own outcome), "failed: reason", or the status.</summary>
    public string Describe() => Status switch
    {
        Completed when Output is JsonObject result && result["outcome"] is JsonValue outcome && outcome.TryGetValue<string>(out var text) => $"{Completed}: {text}",
        Failed => $"{Failed}: {Failure?.Message ?? "(no reason recorded)"}",
        _ => Status,
    };
}

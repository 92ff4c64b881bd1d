using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// How a run ended: <c>completed</c> with its output, <c>failed</c> with its failure, or <c>terminated</c>. A source
/// that keeps the run result's own outcome but not the result (the evidence ledger) gives <see cref="RunOutcome"/>
/// (<c>completed</c>, <c>rejected</c>, <c>timed-out</c>…) and no <see cref="Output"/>: replay compares that outcome only.
/// </summary>
public sealed record RecordedOutcome(string Status, JsonNode? Output = null, RecordedFailure? Failure = null, string? RunOutcome = null)
{
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Terminated = "terminated";

    /// <summary>"completed: rejected" (the run result's own outcome), "failed: reason", or the status.</summary>
    public string Describe() => Status switch
    {
        Completed when OutcomeOfResult() is { } text => $"{Completed}: {text}",
        Failed => $"{Failed}: {Failure?.Message ?? "(no reason recorded)"}",
        _ => Status,
    };

    /// <summary>The run result's own outcome: from the output, else as recorded.</summary>
    public string? OutcomeOfResult() =>
        Output is JsonObject result && result["outcome"] is JsonValue outcome && outcome.TryGetValue<string>(out var text) ? text : RunOutcome;
}

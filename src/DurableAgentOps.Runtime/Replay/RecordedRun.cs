using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DurableTask.Core.History;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// What a run did, whatever it is read from (the Durable history while it exists, the evidence ledger after a purge):
/// its input (the RunRequest), then every activity result, external event and timer firing it received, in order, and
/// how it ended (null when the recording stops before the end). Custom status is not part of it.
/// <see cref="InputsRecorded"/> is false when the source kept no activity inputs: replay then compares names only.
/// Older recordings without <see cref="TimersSet"/>, activity ids or <see cref="AppendsRecorded"/> still read.
/// </summary>
public sealed record RecordedRun(
    string InstanceId,
    DateTime StartedAt,
    JsonNode? Input,
    IReadOnlyList<RecordedItem> Items,
    RecordedOutcome? Outcome = null,
    bool InputsRecorded = true)
{
    /// <summary>The documented JSON shape (docs/ARCHITECTURE.md, "Replay"): camelCase, items tagged by <c>kind</c>.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        AllowOutOfOrderMetadataProperties = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>What the source could not give exactly (shown as notes of the replay).</summary>
    public IReadOnlyList<string> Caveats { get; init; } = [];

    /// <summary>
    /// The durable timers the run set, in the order it set them, those that never fired included (a history's
    /// TimerCreated events). Null when the source does not give them (the ledger, or a recording made before they were
    /// kept): replay then compares timers only as they fire, and activities in the order their results arrived.
    /// </summary>
    public IReadOnlyList<RecordedTimerSet>? TimersSet { get; init; }

    /// <summary>
    /// False when the source keeps no evidence appends one by one (the ledger): replay then answers today's appends
    /// itself and says so. A history keeps them, and they are compared as the engine checks every activity it scheduled.
    /// </summary>
    public bool AppendsRecorded { get; init; } = true;

    /// <summary>Reads a run's Durable history (as <c>DurableTaskClient.GetOrchestrationHistoryAsync</c> returns it).</summary>
    public static RecordedRun FromHistory(IList<HistoryEvent> history) => HistoryRecording.Read(history);

    /// <summary>
    /// Rebuilds a run from its evidence records (the ledger's, or an exported bundle's) and the payloads they keep apart
    /// (digest to bytes), for when the Durable history is gone. See <see cref="LedgerRecording"/> for what it holds.
    /// </summary>
    /// <exception cref="InvalidDataException">No run-start record, or a record's data is in a payload not given.</exception>
    public static RecordedRun FromEvidence(IEnumerable<DurableAgentOps.Core.Evidence.EvidenceRecord> records, IReadOnlyDictionary<string, byte[]>? payloads = null) =>
        LedgerRecording.Read(records, payloads);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static RecordedRun FromJson(string json)
    {
        var run = JsonSerializer.Deserialize<RecordedRun>(json, JsonOptions) ?? throw new JsonException("a recorded run is an object, not null");
        return run switch
        {
            { InstanceId: null or "" } => throw new JsonException("a recorded run needs its instanceId"),
            { Items: null } => throw new JsonException("a recorded run needs its items (an empty list when it received nothing)"),
            _ when run.Items.Any(i => i is null || i is RecordedActivity { Name: null or "" } || i is RecordedEvent { Name: null or "" }) =>
                throw new JsonException("every recorded item needs its kind, and activities and events their name"),
            _ when run.TimersSet?.Any(t => t is null) == true => throw new JsonException("timersSet holds a null: each timer set is { id, fireAt, at }"),
            _ => run,
        };
    }
}

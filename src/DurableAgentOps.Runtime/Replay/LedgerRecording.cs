using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// Rebuilds a <see cref="RecordedRun"/> from a run's evidence records (the ledger, or an exported bundle), for when the
/// Durable history is gone. The ledger keeps decisions, not history events: each record that follows an activity call
/// carries it as <c>call {activity, inputDigest, result, failure}</c>, so a call is recorded by its input's digest (the
/// replay compares digests, and names no JSON path), and <c>clock</c> is the orchestration's exact time then.
/// </summary>
/// <remarks>
/// <para>What each record gives: <c>run-start</c> the run input (the RunRequest) and the definition load;
/// <c>step</c>, <c>approval-request</c> (the change prepared) and <c>notice</c> their call; a <c>notice</c> of kind
/// <c>reminder</c> also the reminder timer that fired before it; <c>decision</c> and <c>ignored-event</c> the
/// <c>approval</c> event as received (<c>event</c>) and the decision check, if one was made; <c>escalation</c> and
/// <c>gate-timeout</c> the timer that fired; <c>refusal</c> the failed call; <c>run-end</c> the outcome.</para>
/// <para>Not in the ledger, so not in the recording: evidence appends one by one (the replay answers them, and says so),
/// failed attempts a retry healed and their backoff timers (a step's record is its last attempt; a refusal's failure
/// is taken as final), timers abandoned when an event ended their wait (they decide nothing), and a reminder of a
/// gate without channels (it notifies nobody, so leaves no notice). Timers carry neither ordinal nor set time: each
/// pairs with today's earliest open timer; timers set but never fired are not known, and calls carry no sequence
/// number, so activities pair in the order their results arrived.</para>
/// </remarks>
internal static class LedgerRecording
{
    private static readonly JsonSerializerOptions Json = EngineJson.Options;

    private static readonly HashSet<string> StepActivities = new(StringComparer.Ordinal)
    {
        ReadStepActivity.Name, DraftStepActivity.Name, RouteStepActivity.Name, WriteStepActivity.Name,
    };

    public static RecordedRun Read(IEnumerable<EvidenceRecord> records, IReadOnlyDictionary<string, byte[]>? payloads)
    {
        ArgumentNullException.ThrowIfNull(records);
        var ordered = records.OrderBy(r => r.Seq).ToList();
        var runStart = ordered.FirstOrDefault(r => r.Kind == "run-start")
            ?? throw new InvalidDataException(ordered.Count == 0
                ? "the ledger holds no records of this run"
                : "the ledger has no run-start record of this run (it was refused before it started): there is no run input to replay");
        var runId = runStart.RunId;
        var items = new List<RecordedItem>();
        RecordedOutcome? outcome = null;
        var withoutClock = 0;
        JsonObject? input = null;
        DateTime? startedAt = null;
        var attemptedSteps = new HashSet<string>(StringComparer.Ordinal);
        int? outcomeNotice = null; // index of the Notify call of an outcome notice that was the record just before

        foreach (var record in ordered)
        {
            var data = Resolve(record, payloads);
            var at = Clock(data) ?? FallbackTime(record, ref withoutClock);
            var previousOutcomeNotice = outcomeNotice;
            outcomeNotice = null;
            switch (record.Kind)
            {
                case "run-start":
                    input = RunInput(runId, data);
                    startedAt = at;
                    if (data["definitionLoaded"] is not JsonValue loaded || !loaded.TryGetValue<bool>(out var ok) || ok)
                    {
                        AddCall(items, data, at, null);
                    }

                    break;
                case "step":
                case "approval-request":
                    AddCall(items, data, at, Text(data, "stepId"));
                    break;
                case "notice":
                    if (Text(data, "kind") == "reminder")
                    {
                        items.Add(new RecordedTimer(null, null, at));
                    }

                    if (AddCall(items, data, at, null) && Text(data, "kind") == "outcome")
                    {
                        outcomeNotice = items.Count - 1;
                    }

                    break;
                case "ignored-event" when Text(data, "event") == AgentWorkflowOrchestrator.ResumeEvent:
                    // A resume the run did not accept: its payload is kept as text (cut at 2,000 characters).
                    items.Add(new RecordedEvent(AgentWorkflowOrchestrator.ResumeEvent, ParsedOrNull(Text(data, "payload")), at));
                    AddCall(items, data, at, Text(data, "stepId"));
                    break;
                case "decision":
                case "ignored-event":
                    items.Add(new RecordedEvent(AgentWorkflowOrchestrator.ApprovalEvent, data["event"]?.DeepClone(), at));
                    AddCall(items, data, at, Text(data, "stepId"));
                    break;
                case "resume":
                    items.Add(new RecordedEvent(AgentWorkflowOrchestrator.ResumeEvent, data["event"]?.DeepClone(), at));
                    AddCall(items, data, at, Text(data, "stepId"));
                    break;
                case "write-attempt":
                    // Each failed attempt of a whole write, then the backoff timer before the next one, if one was due.
                    AddCall(items, data, at, Text(data, "stepId"));
                    attemptedSteps.Add(Text(data, "stepId") ?? string.Empty);
                    if (Text(data, "retryAt") is { } retryAt && DateTime.TryParse(retryAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var due))
                    {
                        items.Add(new RecordedTimer(null, ReplayJson.Utc(due), ReplayJson.Utc(due)));
                    }

                    break;
                case "resume-timeout":
                case "escalation":
                case "gate-timeout":
                    items.Add(new RecordedTimer(null, null, at));
                    break;
                case "refusal" when Text(data, "guard") == "approval":
                    // A refused decision (403) reached the run as an approval event the run then looked up.
                    items.Add(new RecordedEvent(AgentWorkflowOrchestrator.ApprovalEvent, data["event"]?.DeepClone(), at));
                    AddCall(items, data, at, Text(data, "stepId"));
                    break;
                case "refusal" when attemptedSteps.Contains(Text(data, "stepId") ?? string.Empty):
                    // A whole write's attempts are recorded one by one (write-attempt): its refusal repeats the last.
                    break;
                case "refusal":
                    if (Call(data, at, Text(data, "stepId")) is { } failed)
                    {
                        // A write that failed after its gate approved is told before it is recorded: it came first.
                        if (previousOutcomeNotice is { } notice && StepActivities.Contains(failed.Name))
                        {
                            items.Insert(notice, failed with { At = items[notice].At });
                        }
                        else
                        {
                            items.Add(failed);
                        }
                    }

                    break;
                case "run-end":
                    outcome = Outcome(data);
                    break;
            }
        }

        var run = new RecordedRun(runId, startedAt ?? runStart.At.UtcDateTime, input, items, outcome, InputsRecorded: true) { AppendsRecorded = false };
        return withoutClock > 0 ? run with { Caveats = [$"{withoutClock} records carry no exact clock (written before it was kept): their millisecond times were used, so a deadline computed from them may differ"] } : run;
    }

    /// <summary>The RunRequest the orchestration started with, from the run-start record.</summary>
    private static JsonObject RunInput(string runId, JsonObject data) => new()
    {
        ["runId"] = runId,
        ["workflow"] = data["workflow"]?.DeepClone(),
        ["definitionSha256"] = data["definitionSha256"]?.DeepClone(),
        ["input"] = data["input"]?.DeepClone() ?? new JsonObject(),
        ["initiator"] = data["initiator"]?.DeepClone(),
        ["environment"] = data["environment"]?.DeepClone(),
        ["evidence"] = true,
        ["governanceOff"] = data["governanceOff"]?.DeepClone(), // part of what the run service issued (RunIssue)
        ["logicVersion"] = data["logicVersion"]?.DeepClone() ?? 0, // absent in runs of the original logic
    };

    private static bool AddCall(List<RecordedItem> items, JsonObject data, DateTime at, string? step)
    {
        if (Call(data, at, step) is not { } call)
        {
            return false;
        }

        items.Add(call);
        return true;
    }

    private static RecordedActivity? Call(JsonObject data, DateTime at, string? step)
    {
        if (data["call"] is not JsonObject call || Text(call, "activity") is not { Length: > 0 } activity)
        {
            return null;
        }

        var failure = call["failureDetails"] is JsonObject details ? Failure(details)
            : Text(call, "failure") is { } reason ? Failure(activity, reason) : null;
        return new RecordedActivity(activity, null, failure is null ? call["result"]?.DeepClone() : null, failure, at, Text(call, "inputDigest"), step);
    }

    /// <summary>
    /// The failure as the orchestrator reads it back (<c>Type: message</c> of the innermost failure), final: the ledger
    /// keeps a failed step's last attempt only, so no retry is replayed. A definition load's reason carries "refused: ".
    /// </summary>
    private static RecordedFailure Failure(string activity, string reason)
    {
        if (activity == LoadDefinitionActivity.Name && reason.StartsWith("refused: ", StringComparison.Ordinal))
        {
            reason = reason["refused: ".Length..];
        }

        var colon = reason.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !reason[..colon].Contains(' ', StringComparison.Ordinal)
            ? new RecordedFailure(reason[..colon], reason[(colon + 2)..], NonRetriable: true)
            : new RecordedFailure(string.Empty, reason, NonRetriable: true);
    }

    /// <summary>A failure recorded whole (type, message, causes), as the orchestrator read it; final, like every recorded failure.</summary>
    private static RecordedFailure Failure(JsonObject details) =>
        new(Text(details, "type") ?? string.Empty, Text(details, "message") ?? string.Empty,
            details["inner"] is JsonObject inner ? Failure(inner) with { NonRetriable = false } : null, NonRetriable: true);

    private static JsonNode? ParsedOrNull(string? text)
    {
        try
        {
            return text is null ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null; // cut short or not JSON: the run read no resume id from it either
        }
    }

    private static RecordedOutcome Outcome(JsonObject data)
    {
        var outcome = Text(data, "outcome") ?? "(none recorded)";
        if (data["failure"] is JsonObject failure && failure.Deserialize<RunFailure>(Json) is { } runFailure)
        {
            var exception = new WorkflowStepFailedException(runFailure);
            return new RecordedOutcome(RecordedOutcome.Failed, null, new RecordedFailure(typeof(WorkflowStepFailedException).FullName!, exception.Message));
        }

        // An administrator's terminate: the host wrote this run-end after the engine stopped the run.
        return outcome == RecordedOutcome.Terminated
            ? new RecordedOutcome(RecordedOutcome.Terminated, Text(data, "reason") is { } reason ? JsonValue.Create(reason) : null)
            : new RecordedOutcome(RecordedOutcome.Completed, null, null, outcome);
    }

    /// <summary>The record's data, or the payload it keeps apart (data too large for a table row).</summary>
    private static JsonObject Resolve(EvidenceRecord record, IReadOnlyDictionary<string, byte[]>? payloads)
    {
        if (record.Data.Count != 1 || EvidencePayload.ReferencesIn(record.Data) is not { Count: 1 } references || record.Data[EvidencePayload.Key] is null)
        {
            return record.Data;
        }

        var digest = references.First();
        if (payloads is null || !payloads.TryGetValue(digest, out var bytes))
        {
            throw new InvalidDataException($"record {record.Seq} ({record.Kind}) keeps its data in payload {digest}, which is not available (withheld, or not exported)");
        }

        return JsonNode.Parse(Encoding.UTF8.GetString(bytes)) as JsonObject
            ?? throw new InvalidDataException($"payload {digest} of record {record.Seq} is not a JSON object");
    }

    private static DateTime? Clock(JsonObject data) =>
        Text(data, "clock") is { } text && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var clock)
            ? ReplayJson.Utc(clock)
            : null;

    private static DateTime FallbackTime(EvidenceRecord record, ref int withoutClock)
    {
        withoutClock++;
        return record.At.UtcDateTime;
    }

    private static string? Text(JsonObject data, string name) =>
        data[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

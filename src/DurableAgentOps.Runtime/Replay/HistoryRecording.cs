using System.Text.Json;
using System.Text.Json.Nodes;
using static DurableAgentOps.Runtime.Replay.ReplayJson;
using DurableTask.Core;
using DurableTask.Core.History;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// Reads a Durable history into a <see cref="RecordedRun"/>: what the run received as items, and the sequence number of
/// every activity call and timer set (the event id the engine checks them by on replay).
/// </summary>
internal static class HistoryRecording
{
    public static RecordedRun Read(IList<HistoryEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var started = history.OfType<ExecutionStartedEvent>().FirstOrDefault()
            ?? throw new InvalidDataException("the history has no ExecutionStarted event: it is not a run's history, or its start was cut off");
        var scheduled = new Dictionary<int, TaskScheduledEvent>();
        var timers = new Dictionary<int, int>(); // timer event id -> its ordinal among the run's timers
        var timersSet = new List<RecordedTimerSet>();
        var items = new List<RecordedItem>();
        RecordedOutcome? outcome = null;
        DateTime? startedAt = null;
        var now = Utc(started.Timestamp);
        foreach (var e in history)
        {
            switch (e)
            {
                // Each episode starts with the time the orchestration reads as CurrentUtcDateTime until the next one.
                case OrchestratorStartedEvent episode:
                    now = Utc(episode.Timestamp);
                    startedAt ??= now;
                    break;
                case TaskScheduledEvent task:
                    scheduled[task.EventId] = task;
                    break;
                case TaskCompletedEvent done:
                    items.Add(Activity(scheduled, done.TaskScheduledId, Parse(done.Result), null, now));
                    break;
                case TaskFailedEvent failed:
                    items.Add(Activity(scheduled, failed.TaskScheduledId, null,
                        RecordedFailure.From(failed.FailureDetails) ?? new RecordedFailure(string.Empty, failed.Reason ?? failed.Details ?? "(no reason recorded)"), now));
                    break;
                // A negative id is no timer of the code's (the Service Bus provider's marker splitting an episode).
                case TimerCreatedEvent timer when timer.EventId >= 0:
                    timers[timer.EventId] = timers.Count;
                    timersSet.Add(new RecordedTimerSet(timer.EventId, Utc(timer.FireAt), now));
                    break;
                case TimerFiredEvent fired:
                    items.Add(new RecordedTimer(timers.TryGetValue(fired.TimerId, out var ordinal) ? ordinal : null, Utc(fired.FireAt), now));
                    break;
                case EventRaisedEvent raised:
                    items.Add(new RecordedEvent(raised.Name ?? string.Empty, Parse(raised.Input), now));
                    break;
                case ExecutionCompletedEvent completed:
                    outcome = Outcome(completed);
                    break;
                case ExecutionTerminatedEvent terminated:
                    outcome = new RecordedOutcome(RecordedOutcome.Terminated, Parse(terminated.Input));
                    break;
            }
        }

        // With storeInputsInOrchestrationHistory off the provider keeps names only, never an input.
        var inputsRecorded = scheduled.Count == 0 || scheduled.Values.Any(t => t.Input is not null);
        return new RecordedRun(started.OrchestrationInstance?.InstanceId ?? string.Empty, startedAt ?? Utc(started.Timestamp),
            Parse(started.Input), items, outcome, inputsRecorded)
        {
            TimersSet = timersSet,
        };
    }

    private static RecordedActivity Activity(Dictionary<int, TaskScheduledEvent> scheduled, int id, JsonNode? result, RecordedFailure? failure, DateTime at) =>
        scheduled.TryGetValue(id, out var task)
            ? new RecordedActivity(task.Name ?? string.Empty, ReplayJson.WithoutCarriedEvidence(ActivityInput(task.Input)), result, failure, at, Id: id)
            : throw new InvalidDataException($"the history completes task {id}, which it never scheduled");

    /// <summary>The engine sends an activity its input as a one-element parameter array; the recording keeps the input.</summary>
    private static JsonNode? ActivityInput(string? raw) => Parse(raw) switch
    {
        JsonArray { Count: 1 } parameters => parameters[0]?.DeepClone(),
        JsonArray { Count: 0 } => null,
        var other => other,
    };

    private static RecordedOutcome Outcome(ExecutionCompletedEvent completed) => completed.OrchestrationStatus switch
    {
        OrchestrationStatus.Completed => new RecordedOutcome(RecordedOutcome.Completed, Parse(completed.Result)),
        OrchestrationStatus.Failed => new RecordedOutcome(RecordedOutcome.Failed, null,
            RecordedFailure.From(completed.FailureDetails) ?? new RecordedFailure(string.Empty, completed.Result ?? "(no reason recorded)")),
        var status => new RecordedOutcome(JsonNamingPolicy.KebabCaseLower.ConvertName(status.ToString()), Parse(completed.Result)),
    };
}

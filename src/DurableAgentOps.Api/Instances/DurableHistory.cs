using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.Core.History;

namespace DurableAgentOps.Api.Instances;

/// <summary>
/// An instance's history as Durable Functions' <c>showHistory</c> gives it: one entry per event that says something
/// (the start, each activity's outcome with its function name and when it was scheduled, timers, events, the end),
/// with Durable Functions' property names. Inputs and results only with <c>showHistoryOutput</c>; a failure's reason,
/// never its details (they can hold a stack).
/// </summary>
internal static class DurableHistory
{
    public static JsonArray Describe(IEnumerable<HistoryEvent> events, bool withOutput)
    {
        ArgumentNullException.ThrowIfNull(events);
        var scheduled = new Dictionary<int, TaskScheduledEvent>();
        var history = new JsonArray();
        foreach (var e in events)
        {
            var entry = new JsonObject { ["EventType"] = e.EventType.ToString(), ["EventId"] = e.EventId, ["Timestamp"] = e.Timestamp };
            switch (e)
            {
                case OrchestratorStartedEvent or OrchestratorCompletedEvent:
                    continue; // the engine's own bookkeeping: Durable Functions leaves it out
                case TaskScheduledEvent task:
                    scheduled[task.EventId] = task;
                    continue; // shown on its outcome, with the time it was scheduled
                case ExecutionStartedEvent started:
                    entry["FunctionName"] = started.Name;
                    Output(entry, "Input", started.Input, withOutput);
                    break;
                case TaskCompletedEvent completed:
                    Scheduled(entry, scheduled.GetValueOrDefault(completed.TaskScheduledId));
                    Output(entry, "Result", completed.Result, withOutput);
                    break;
                case TaskFailedEvent failed:
                    Scheduled(entry, scheduled.GetValueOrDefault(failed.TaskScheduledId));
                    entry["Reason"] = failed.Reason;
                    break;
                case TimerCreatedEvent timer:
                    entry["FireAt"] = timer.FireAt;
                    break;
                case TimerFiredEvent fired:
                    entry["FireAt"] = fired.FireAt;
                    break;
                case EventRaisedEvent raised:
                    entry["Name"] = raised.Name;
                    Output(entry, "Input", raised.Input, withOutput);
                    break;
                case EventSentEvent sent:
                    entry["Name"] = sent.Name;
                    entry["InstanceId"] = sent.InstanceId;
                    break;
                case ExecutionCompletedEvent ended:
                    entry["OrchestrationStatus"] = ended.OrchestrationStatus.ToString();
                    Output(entry, "Result", ended.Result, withOutput);
                    break;
                case ExecutionTerminatedEvent terminated:
                    Output(entry, "Input", terminated.Input, withOutput);
                    break;
            }

            history.Add(entry);
        }

        return history;
    }

    private static void Scheduled(JsonObject entry, TaskScheduledEvent? task)
    {
        entry["FunctionName"] = task?.Name;
        entry["ScheduledTime"] = task?.Timestamp;
    }

    /// <summary>A payload as JSON where it is JSON, else as the text it is.</summary>
    private static void Output(JsonObject entry, string name, string? payload, bool withOutput)
    {
        if (!withOutput || payload is null)
        {
            return;
        }

        try
        {
            entry[name] = JsonNode.Parse(payload);
        }
        catch (JsonException)
        {
            entry[name] = payload;
        }
    }
}

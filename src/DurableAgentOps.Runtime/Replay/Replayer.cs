using System.Globalization;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// Runs today's <see cref="AgentWorkflowOrchestrator"/> against a recorded run, every side effect stubbed from the
/// recording, and reports "same decisions" or the first divergence. It checks what the engine's own replay checks (the
/// kind, name and order of every piece of scheduled work: activity calls, evidence appends and timers, from a history)
/// and also each activity's input (SHA-256 of its canonical JSON, with the paths that differ), each timer's fire time
/// and how the run ends, so a changed route condition, scope or gate shows. By default the run's definition is replaced
/// by today's deployed one; with the run's own, only code changes show.
/// </summary>
public static class Replayer
{
    public static ReplayReport Replay(RecordedRun run, ReplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(options);
        var request = ReplayJson.Converter.Deserialize<RunRequest>(run.Input?.ToJsonString())
            ?? throw new ArgumentException("the recording has no run input (a RunRequest)", nameof(run));
        var current = options.CurrentDefinition;
        if (current is null && !options.UseRecordedDefinition)
        {
            throw new ArgumentException("pass today's definition of the run's workflow (CurrentDefinition), or replay with the run's own (UseRecordedDefinition)", nameof(options));
        }

        if (current is not null && current.Definition.Name != request.Workflow)
        {
            throw new ArgumentException($"today's definition is of workflow '{current.Definition.Name}'; the run is of '{request.Workflow}'", nameof(options));
        }

        var definition = new DefinitionCheck(request.Workflow ?? string.Empty, request.DefinitionSha256 ?? string.Empty, current?.Sha256, !options.UseRecordedDefinition);
        (string, System.Text.Json.Nodes.JsonNode)? substitute = options.UseRecordedDefinition ? null : (LoadDefinitionActivity.Name, ReplayJson.ToNode(current)!);
        var context = new ReplayContext(run, AgentWorkflowOrchestrator.Name, request, substitute, Math.Max(1, options.MaxDifferences));

        var orchestration = Start(new AgentWorkflowOrchestrator(), context, request);
        while (!orchestration.IsCompleted && context.Divergence is null && context.Cursor < run.Items.Count)
        {
            context.DeliverNext();
        }

        var today = orchestration.IsCompleted ? OutcomeOf(orchestration) : null;
        Finish(run, context, today);
        return new ReplayReport(run.InstanceId, definition, context.Divergence, context.Cursor, run.Items.Count,
            run.Outcome?.Describe() ?? "none (the recording ends before the run did)", today?.Describe() ?? ReplayReport.NotReached, Notes(run, context))
        {
            Compared = Count(run, context),
            AppendsCompared = run.AppendsRecorded,
        };
    }

    /// <summary>
    /// Runs the orchestrator on a scheduler that runs continuations inline, as the engine does: it has reached its first
    /// await when this returns, and every completion the replay makes runs it to its next one.
    /// </summary>
    private static Task<object?> Start(ITaskOrchestrator orchestrator, ReplayContext context, object? input)
    {
        var started = Task.Factory.StartNew(() => orchestrator.RunAsync(context, input), CancellationToken.None, TaskCreationOptions.None, new InlineTaskScheduler());
        return started.IsCompletedSuccessfully
            ? started.Result
            : Task.FromException<object?>(started.Exception?.InnerException ?? new InvalidOperationException("the orchestrator did not start"));
    }

    /// <summary>After the last item: recorded work today's code skipped, today's code still waiting, or the outcomes compared.</summary>
    private static void Finish(RecordedRun run, ReplayContext context, RecordedOutcome? today)
    {
        var finishedToday = today is null ? null : new ReplayCall("finished", today.Describe());
        if (context.Divergence is not null
            || context.SkippedRecordedWork(today is null ? context.Waiting() : $"has finished ({today.Describe()})", finishedToday ?? context.WaitingCall()))
        {
            return;
        }

        if (today is null && run.Outcome is { Status: RecordedOutcome.Terminated })
        {
            return; // stopped from outside where today's code still waits: nothing the code decides differs
        }

        if (today is null)
        {
            var finished = run.Outcome is not null;
            context.Diverge(run.Items.Count, finished ? DivergenceKind.WaitDiffers : DivergenceKind.RecordingEnds,
                finished
                    ? $"the recorded run finished ({run.Outcome!.Describe()}); today's code {context.Waiting()}"
                    : $"the recording ends here (the run had not finished, or its history was cut short); today's code {context.Waiting()}",
                new ReplayCall("end", "of the recording"), context.WaitingCall());
            return;
        }

        if (run.Outcome is not { } recorded)
        {
            context.Diverge(run.Items.Count, DivergenceKind.RecordingEnds, $"the recording ends before the run's outcome; today's code finished: {today.Describe()}",
                new ReplayCall("end", "of the recording"), finishedToday);
            return;
        }

        if (OutcomeCheck.Difference(recorded, today) is { } difference)
        {
            var results = recorded.Output is not null && today.Output is not null;
            context.Diverge(run.Items.Count, DivergenceKind.OutcomeDiffers, difference,
                new ReplayCall("finished", recorded.Describe(), results ? ReplayJson.Digest(recorded.Output) : null),
                finishedToday! with { Digest = results ? ReplayJson.Digest(today.Output) : null },
                results ? (recorded.Output, today.Output) : null);
        }
    }

    private static RecordedOutcome OutcomeOf(Task<object?> orchestration) => orchestration switch
    {
        { IsCompletedSuccessfully: true } => new RecordedOutcome(RecordedOutcome.Completed, ReplayJson.ToNode(orchestration.Result)),
        { IsCanceled: true } => new RecordedOutcome(RecordedOutcome.Failed, null, RecordedFailure.From(new TaskCanceledException())),
        _ => new RecordedOutcome(RecordedOutcome.Failed, null, RecordedFailure.From(orchestration.Exception!.InnerException ?? orchestration.Exception)),
    };

    /// <summary>
    /// The recorded items handed over, by kind, evidence appends apart (today's calls: from the ledger they are
    /// answered, not handed over, so a run counts the same from both sources). Admission calls and wake-ups are compared
    /// where a history holds them but not counted: load control the ledger does not keep.
    /// </summary>
    private static ReplayCounts Count(RecordedRun run, ReplayContext context)
    {
        var consumed = run.Items.Take(context.Cursor).ToList();
        return new ReplayCounts(
            consumed.Count(i => i is RecordedActivity a && !ReplayContext.IsAppend(a.Name) && a.Name != AdmissionActivity.Name),
            consumed.Count(i => i is RecordedEvent e && e.Name != AgentWorkflowOrchestrator.AdmissionEvent),
            consumed.Count(i => i is RecordedTimer),
            context.AppendCalls);
    }

    private static List<string> Notes(RecordedRun run, ReplayContext context)
    {
        var notes = new List<string>();
        if (run.Outcome is { Status: RecordedOutcome.Completed, Output: null, RunOutcome: not null })
        {
            notes.Add("the recording keeps the run's outcome, not its result: the result was compared by its outcome only");
        }

        if (!run.InputsRecorded)
        {
            notes.Add("the recording holds no activity inputs (the engine ran without storeInputsInOrchestrationHistory): only activity names and order were compared");
        }

        if (!context.TimersSetCompared)
        {
            notes.Add("the recording does not list the timers the run set nor number its calls (the ledger, or an older recording): "
                + "activities were paired in the order their results arrived, and timers only as they fired");
        }

        if (!run.AppendsRecorded && context.AppendCalls > 0)
        {
            notes.Add($"the recording holds no evidence appends (the ledger keeps the records they appended, not the appends): today's {context.AppendCalls} "
                + "were answered by the replay, not compared");
        }

        notes.AddRange(run.Caveats);
        notes.AddRange(context.Notes);
        notes.AddRange(context.UnclaimedEvents.Select(e =>
            $"event '{e.Name}' received at {e.At.ToString("O", CultureInfo.InvariantCulture)} was never taken by a wait of today's code"));
        return notes;
    }
}

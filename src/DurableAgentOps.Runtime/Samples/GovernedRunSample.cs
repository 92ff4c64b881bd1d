using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Samples;

/// <summary>Input of the sample governed run: what it is about, and knobs for demos and tests.</summary>
public sealed record GovernedRunInput(string Subject, int StepDelayMs = 0, int ApprovalTimeoutSeconds = 300)
{
    /// <summary>Longest a sample step may take: a sample must not hold an activity slot for long.</summary>
    public const int MaxStepDelayMs = 60_000;

    /// <summary>Longest the sample waits for its approval.</summary>
    public const int MaxApprovalTimeoutSeconds = 86_400;
}

/// <summary>What one step did, and which worker process did it.</summary>
public sealed record StepRecord(string Step, string Worker, DateTimeOffset StartedAt, int DurationMs);

/// <summary>The approval an approver gives (the external event's payload).</summary>
public sealed record ApprovalDecision(bool Approved, string Approver, string? Comment = null);

/// <summary>Progress shown while the run goes (the orchestration's custom status).</summary>
public sealed record GovernedRunProgress(string Phase, IReadOnlyList<StepRecord> Steps);

/// <summary>The run's result.</summary>
public sealed record GovernedRunResult(string Outcome, ApprovalDecision? Decision, IReadOnlyList<StepRecord> Steps);

/// <summary>
/// The shape of a governed run before workflow files drive it: read, draft, route, wait for an approval
/// (an external event with a timeout), then write. Each step is a separate activity.
/// </summary>
public sealed class GovernedRunOrchestrator : TaskOrchestrator<GovernedRunInput, GovernedRunResult>
{
    public const string Name = nameof(GovernedRunOrchestrator);
    public const string ApprovalEvent = "approval";
    public static readonly string[] StepsBeforeApproval = ["read", "draft", "route", "notify"];

    public override async Task<GovernedRunResult> RunAsync(TaskOrchestrationContext context, GovernedRunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        input = (input ?? new GovernedRunInput("(none)")) with
        {
            StepDelayMs = Math.Clamp(input?.StepDelayMs ?? 0, 0, GovernedRunInput.MaxStepDelayMs),
            ApprovalTimeoutSeconds = Math.Clamp(input?.ApprovalTimeoutSeconds ?? 300, 1, GovernedRunInput.MaxApprovalTimeoutSeconds),
        };
        var steps = new List<StepRecord>();
        foreach (var step in StepsBeforeApproval)
        {
            context.SetCustomStatus(new GovernedRunProgress(step, steps));
            steps.Add(await context.CallActivityAsync<StepRecord>(SampleStepActivity.Name, new SampleStep(step, input.StepDelayMs)));
        }

        context.SetCustomStatus(new GovernedRunProgress("awaiting-approval", steps));
        ApprovalDecision decision;
        try
        {
            // An event without a body is no decision: it rejects, it does not break the run.
            decision = await context.WaitForExternalEvent<ApprovalDecision?>(ApprovalEvent, TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds))
                ?? new ApprovalDecision(false, "(no decision in the event)");
        }
        catch (TaskCanceledException)
        {
            context.SetCustomStatus(new GovernedRunProgress("approval-timed-out", steps));
            return new GovernedRunResult("approval-timed-out", null, steps);
        }

        if (!decision.Approved)
        {
            context.SetCustomStatus(new GovernedRunProgress("rejected", steps));
            return new GovernedRunResult("rejected", decision, steps);
        }

        context.SetCustomStatus(new GovernedRunProgress("write", steps));
        steps.Add(await context.CallActivityAsync<StepRecord>(SampleStepActivity.Name, new SampleStep("write", input.StepDelayMs)));
        context.SetCustomStatus(new GovernedRunProgress("completed", steps));
        return new GovernedRunResult("completed", decision, steps);
    }
}

/// <summary>Which sample step to run, and how long it takes (to make crashes land mid-run in tests).</summary>
public sealed record SampleStep(string Step, int DelayMs);

/// <summary>A sample step: waits the requested time and reports the worker that ran it.</summary>
public sealed class SampleStepActivity(WorkerInfo worker) : TaskActivity<SampleStep, StepRecord>
{
    public const string Name = nameof(SampleStepActivity);

    public override async Task<StepRecord> RunAsync(TaskActivityContext context, SampleStep input)
    {
        var started = DateTimeOffset.UtcNow;
        if (input.DelayMs > 0)
        {
            await Task.Delay(Math.Min(input.DelayMs, GovernedRunInput.MaxStepDelayMs));
        }

        return new StepRecord(input.Step, worker.WorkerId, started, (int)(DateTimeOffset.UtcNow - started).TotalMilliseconds);
    }
}

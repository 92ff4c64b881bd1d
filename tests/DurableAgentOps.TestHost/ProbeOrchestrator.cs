using Microsoft.DurableTask;

namespace DurableAgentOps.TestHost;

/// <summary>
/// A probe run's input: how long each step takes (<see cref="SlowStep"/>, when named, takes <see cref="SlowStepDelayMs"/>
/// instead), and how long it waits for its event.
/// </summary>
internal sealed record ProbeInput(int StepDelayMs = 0, int ApprovalTimeoutSeconds = 300, string? SlowStep = null, int SlowStepDelayMs = 0);

/// <summary>One probe step as done: which worker ran it, when, for how long.</summary>
internal sealed record ProbeStep(string Step, string Worker, DateTimeOffset StartedAt, int DurationMs);

/// <summary>A probe run's outcome and its steps in order.</summary>
internal sealed record ProbeResult(string Outcome, IReadOnlyList<ProbeStep> Steps);

/// <summary>What the probe shows while it runs (its custom status).</summary>
internal sealed record ProbeProgress(string Phase, IReadOnlyList<ProbeStep> Steps);

/// <summary>
/// The engine under test, without governance: four slow steps, a wait for an <c>approval</c> event, one more step. Crash,
/// cluster and graceful-stop tests kill or stop hosts between and inside these steps and check who finished them.
/// </summary>
internal sealed class ProbeOrchestrator : TaskOrchestrator<ProbeInput, ProbeResult>
{
    public const string Name = nameof(ProbeOrchestrator);

    public override async Task<ProbeResult> RunAsync(TaskOrchestrationContext context, ProbeInput input)
    {
        input ??= new ProbeInput();
        var steps = new List<ProbeStep>();
        foreach (var step in new[] { "read", "draft", "route", "notify" })
        {
            context.SetCustomStatus(new ProbeProgress(step, steps));
            steps.Add(await context.CallActivityAsync<ProbeStep>(ProbeStepActivity.Name, new ProbeStepRequest(step, step == input.SlowStep ? input.SlowStepDelayMs : input.StepDelayMs)));
        }

        context.SetCustomStatus(new ProbeProgress("awaiting-approval", steps));
        try
        {
            await context.WaitForExternalEvent<object?>("approval", TimeSpan.FromSeconds(input.ApprovalTimeoutSeconds));
        }
        catch (TaskCanceledException)
        {
            context.SetCustomStatus(new ProbeProgress("approval-timed-out", steps));
            return new ProbeResult("approval-timed-out", steps);
        }

        context.SetCustomStatus(new ProbeProgress("write", steps));
        steps.Add(await context.CallActivityAsync<ProbeStep>(ProbeStepActivity.Name, new ProbeStepRequest("write", input.StepDelayMs)));
        context.SetCustomStatus(new ProbeProgress("completed", steps));
        return new ProbeResult("completed", steps);
    }
}

using DurableAgentOps.Runtime.Shared;
using Microsoft.DurableTask;

namespace DurableAgentOps.TestHost;

/// <summary>One probe step: which step, and how long it takes.</summary>
internal sealed record ProbeStepRequest(string Step, int DelayMs);

/// <summary>Takes its time and says which worker ran it.</summary>
internal sealed class ProbeStepActivity(WorkerInfo worker) : TaskActivity<ProbeStepRequest, ProbeStep>
{
    public const string Name = nameof(ProbeStepActivity);

    public override async Task<ProbeStep> RunAsync(TaskActivityContext context, ProbeStepRequest input)
    {
        var started = DateTimeOffset.UtcNow;
        await Task.Delay(Math.Clamp(input.DelayMs, 0, 10_000));
        return new ProbeStep(input.Step, worker.WorkerId, started, (int)(DateTimeOffset.UtcNow - started).TotalMilliseconds);
    }
}

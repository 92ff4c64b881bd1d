using DurableAgentOps.Runtime.Shared;
using Microsoft.DurableTask;

namespace DurableAgentOps.TestHost;

/// <summary>One probe step: which step, and how long it takes.</summary>
internal sealed record ProbeStepRequest(string Step, int DelayMs);

/// <summary>
/// Takes its time and says which worker ran it. With <c>TestHost:ProbeLog</c> set, each execution also appends a line
/// (instance, step, worker) to that file as it starts, so a test sees every execution, even one whose result the engine
/// threw away (a duplicate) or that a killed host never finished.
/// </summary>
internal sealed class ProbeStepActivity(WorkerInfo worker, IConfiguration configuration) : TaskActivity<ProbeStepRequest, ProbeStep>
{
    public const string Name = nameof(ProbeStepActivity);

    public const string ProbeLogSetting = "TestHost:ProbeLog";

    private static readonly object LogLock = new();

    public override async Task<ProbeStep> RunAsync(TaskActivityContext context, ProbeStepRequest input)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = DateTimeOffset.UtcNow;
        if (configuration[ProbeLogSetting] is { Length: > 0 } log)
        {
            lock (LogLock)
            {
                File.AppendAllText(log, $"{context.InstanceId} {input.Step} {worker.WorkerId} {started:O}\n");
            }
        }

        // Timed on the monotonic clock the delay runs on: the wall clock may step, and truncating could read 89,999 ms
        // for a 90,000 ms delay.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(Math.Clamp(input.DelayMs, 0, 120_000));
        return new ProbeStep(input.Step, worker.WorkerId, started, (int)Math.Ceiling(clock.Elapsed.TotalMilliseconds));
    }
}

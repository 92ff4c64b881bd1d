namespace DurableAgentOps.Runtime.Shared;

/// <summary>Which worker process runs a step: recorded so runs (and investigators) can tell who did what.</summary>
public sealed record WorkerInfo(string WorkerId)
{
    /// <summary>Machine name and process id: unique among the hosts of a task hub.</summary>
    public static WorkerInfo ForThisProcess() => new($"{Environment.MachineName}-{Environment.ProcessId}");
}

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// Runs every continuation at once on the calling thread, as the Durable Task Framework runs orchestrator code: when
/// the replay completes a task, the orchestrator runs to its next await before the call returns. No thread, no wait.
/// </summary>
internal sealed class InlineTaskScheduler : TaskScheduler
{
    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task) => TryExecuteTask(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [];
}

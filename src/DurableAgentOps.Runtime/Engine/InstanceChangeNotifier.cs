using System.Collections.Concurrent;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// Wakes waiters when this process commits a new state for an orchestration instance, so a wait for
/// start or completion answers at once instead of on the next poll.
/// </summary>
internal sealed class InstanceChangeNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiters = new(StringComparer.Ordinal);

    /// <summary>A task that completes on the next change of <paramref name="instanceId"/>. Take it before reading state.</summary>
    public Task NextChange(string instanceId) =>
        waiters.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Signal(string instanceId)
    {
        if (waiters.TryRemove(instanceId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}

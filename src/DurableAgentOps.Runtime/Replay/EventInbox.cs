using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// External events as the SDK hands them out: names ignore case; an event goes to the newest wait for its name that
/// still waits (a wait abandoned at its timeout takes none; checked on the engine: such an event is kept, not lost),
/// else it is kept in arrival order until the next wait for that name takes it at once.
/// </summary>
internal sealed class EventInbox(DataConverter converter)
{
    private readonly Dictionary<string, List<IWaiter>> waiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Queue<RecordedEvent>> kept = new(StringComparer.OrdinalIgnoreCase);

    private interface IWaiter
    {
        bool Waiting { get; }

        void Take(string? payload);
    }

    /// <summary>Names with a wait still open.</summary>
    public IEnumerable<string> Awaited => waiters.Where(w => w.Value.Any(x => x.Waiting)).Select(w => w.Key);

    /// <summary>Events that arrived and that no wait took.</summary>
    public IEnumerable<RecordedEvent> Unclaimed => kept.Values.SelectMany(q => q);

    public Task<T> Wait<T>(string name, CancellationToken cancellation)
    {
        var waiter = new Waiter<T>(converter);
        if (kept.TryGetValue(name, out var queue) && queue.Count > 0)
        {
            waiter.Take(queue.Dequeue().Payload?.ToJsonString());
            return waiter.Task;
        }

        if (!waiters.TryGetValue(name, out var list))
        {
            waiters[name] = list = [];
        }

        list.Add(waiter);
        cancellation.Register(() => waiter.Cancel(cancellation));
        return waiter.Task;
    }

    /// <summary>Hands the event to a waiting wait (true), or keeps it for a later one (false).</summary>
    public bool Deliver(RecordedEvent received)
    {
        if (waiters.TryGetValue(received.Name, out var list))
        {
            list.RemoveAll(w => !w.Waiting);
            if (list.Count > 0)
            {
                var newest = list[^1];
                list.RemoveAt(list.Count - 1);
                newest.Take(received.Payload?.ToJsonString());
                return true;
            }
        }

        if (!kept.TryGetValue(received.Name, out var queue))
        {
            kept[received.Name] = queue = new Queue<RecordedEvent>();
        }

        queue.Enqueue(received);
        return false;
    }

    private sealed class Waiter<T>(DataConverter converter) : IWaiter
    {
        private readonly TaskCompletionSource<T> completion = new();

        public Task<T> Task => completion.Task;

        public bool Waiting => !completion.Task.IsCompleted;

        public void Take(string? payload)
        {
            try
            {
                completion.TrySetResult(converter.Deserialize<T>(payload)!);
            }
            catch (System.Text.Json.JsonException ex)
            {
                // The engine fails the same way: a payload that does not read as T throws where the event is handed over.
                completion.TrySetException(ex);
            }
        }

        public void Cancel(CancellationToken cancellation) => completion.TrySetCanceled(cancellation);
    }
}

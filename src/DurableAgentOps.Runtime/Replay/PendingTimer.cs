namespace DurableAgentOps.Runtime.Replay;

/// <summary>A durable timer today's code set: due at <see cref="FireAt"/>, fired, or abandoned (its wait ended otherwise).</summary>
internal sealed class PendingTimer(DateTime fireAt)
{
    private readonly TaskCompletionSource completion = new();

    public DateTime FireAt { get; } = fireAt;

    public Task Task => completion.Task;

    public bool Fired { get; private set; }

    public bool Abandoned => completion.Task.IsCanceled;

    public bool Live => !completion.Task.IsCompleted;

    public void Fire()
    {
        Fired = true;
        completion.TrySetResult();
    }

    public void Abandon() => completion.TrySetCanceled();
}

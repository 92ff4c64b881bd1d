namespace DurableAgentOps.Benchmarks;

internal enum RunState
{
    Pending,
    Running,
    Completed,
    Failed,
}

/// <summary>What the driver sees of an instance; <paramref name="LastUpdatedUtc"/> is stamped by the worker that ran it.</summary>
internal readonly record struct InstanceSnapshot(string InstanceId, RunState State, string? CustomStatus, DateTime LastUpdatedUtc);

/// <summary>
/// One engine under test, hosting the shape on its own task hub. The driver treats both sides alike; each side
/// reaches storage only through the client of its own (shared) orchestration service instance.
/// </summary>
internal interface IBenchSide : IAsyncDisposable
{
    /// <summary>"bare" or "engine": the label in tables and JSON.</summary>
    string Name { get; }

    string HubName { get; }

    Task StartAsync(CancellationToken cancellation);

    Task ScheduleAsync(string instanceId, CancellationToken cancellation);

    /// <summary>Running instances whose id starts with <paramref name="prefix"/>, without inputs and outputs.</summary>
    Task<IReadOnlyList<InstanceSnapshot>> QueryRunningAsync(string prefix, CancellationToken cancellation);

    Task<InstanceSnapshot?> GetAsync(string instanceId, CancellationToken cancellation);

    Task RaiseApprovalAsync(string instanceId, CancellationToken cancellation);

    /// <summary>Purges finished instances (untimed, after each batch) so every batch meets storage of the same size.</summary>
    Task PurgeFinishedAsync();

    /// <summary>Stops the worker and deletes the task hub, so a persistent emulator does not fill up.</summary>
    Task StopAndDeleteAsync();
}

/// <summary>The settings both sides get, the way host.json states them for the engine.</summary>
internal sealed record EngineSettings(
    int PartitionCount,
    TimeSpan MaxQueuePollingInterval,
    int ControlQueueBatchSize,
    int ControlQueueBufferThreshold,
    int MaxConcurrentActivities,
    int MaxConcurrentOrchestrations,
    bool ExtendedSessions,
    TimeSpan PartitionTableOperationTimeout)
{
    /// <summary>The figures: 4 partitions, 1 s maximum poll; the rest as the repository's host.json has them.</summary>
    public static EngineSettings Benchmark { get; } = new(4, TimeSpan.FromSeconds(1), 32, 256, 10, 100, false, TimeSpan.FromSeconds(10));
}

using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Benchmarks;

/// <summary>
/// The shape written directly against the Durable Task Framework: what the engine's SDK orchestrator compiles down
/// to, without the SDK shims, the engine's client or its notifying service wrapper.
/// </summary>
internal sealed class BareGovernedRun : TaskOrchestration<string, string>
{
    // DTFx runs orchestration code on its own single-threaded scheduler; a plain TCS completes inline there.
    private readonly TaskCompletionSource<string> approval = new();
    private string status = string.Empty;

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        foreach (var step in Shape.StepsBeforeApproval)
        {
            status = step;
            await context.ScheduleTask<string>(typeof(BareStep), step);
        }

        status = Shape.WaitingStatus;
        using var timeoutCancel = new CancellationTokenSource();
        var timeout = context.CreateTimer(context.CurrentUtcDateTime.Add(Shape.ApprovalTimeout), Shape.TimedOutOutput, timeoutCancel.Token);
        if (await Task.WhenAny(approval.Task, timeout) != approval.Task)
        {
            status = Shape.TimedOutOutput;
            return Shape.TimedOutOutput;
        }

        // Same as the SDK's WaitForExternalEvent(name, timeout): cancel the timeout once the event has come.
        // Synchronously: CancelAsync would run the timer's continuation off the orchestration's scheduler.
        timeoutCancel.Cancel();
        status = Shape.WriteStep;
        await context.ScheduleTask<string>(typeof(BareStep), Shape.WriteStep);
        status = Shape.CompletedOutput;
        return Shape.CompletedOutput;
    }

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name == Shape.ApprovalEvent)
        {
            approval.TrySetResult(input);
        }
    }

    public override string OnGetStatus() => status;
}

internal sealed class BareStep : TaskActivity<string, string>
{
    protected override string Execute(TaskContext context, string input) => Shape.StepResult(input);
}

/// <summary>A bare <see cref="TaskHubWorker"/> and <see cref="TaskHubClient"/> sharing one provider instance.</summary>
internal sealed class BareSide : IBenchSide
{
    private readonly AzureStorageOrchestrationService service;
    private readonly TaskHubWorker worker;
    private readonly TaskHubClient client;

    public BareSide(string hubName, string connectionString, EngineSettings settings, ILoggerFactory loggerFactory)
    {
        HubName = hubName;
        service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = hubName,
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            PartitionCount = settings.PartitionCount,
            MaxQueuePollingInterval = settings.MaxQueuePollingInterval,
            ControlQueueBatchSize = settings.ControlQueueBatchSize,
            ControlQueueBufferThreshold = settings.ControlQueueBufferThreshold,
            MaxConcurrentTaskActivityWorkItems = settings.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = settings.MaxConcurrentOrchestrations,
            ExtendedSessionsEnabled = settings.ExtendedSessions,
            PartitionTableOperationTimeout = settings.PartitionTableOperationTimeout,
            WorkerId = $"bench-bare-{Environment.ProcessId}",
            // As the engine sets it, so neither side waits for an app lease at start.
            UseAppLease = false,
            LoggerFactory = loggerFactory,
        });
        worker = new TaskHubWorker(service, loggerFactory);
        worker.AddTaskOrchestrations(typeof(BareGovernedRun));
        worker.AddTaskActivities(typeof(BareStep));
        client = new TaskHubClient(service, null, loggerFactory);
    }

    public string Name => "bare";

    public string HubName { get; }

    public Task StartAsync(CancellationToken cancellation) => worker.StartAsync();

    public Task ScheduleAsync(string instanceId, CancellationToken cancellation) =>
        client.CreateOrchestrationInstanceAsync(typeof(BareGovernedRun), instanceId, instanceId);

    public async Task<IReadOnlyList<InstanceSnapshot>> QueryRunningAsync(string prefix, CancellationToken cancellation)
    {
        // The same provider query the engine client's GetAllInstancesAsync makes, so both sides poll alike.
        var query = new DurableTask.Core.Query.OrchestrationQuery
        {
            RuntimeStatus = [OrchestrationStatus.Running],
            InstanceIdPrefix = prefix,
            PageSize = 1000,
            FetchInputsAndOutputs = false,
        };
        var found = new List<InstanceSnapshot>();
        do
        {
            var page = await service.GetOrchestrationWithQueryAsync(query, cancellation);
            found.AddRange(page.OrchestrationState.Select(ToSnapshot));
            query.ContinuationToken = page.ContinuationToken;
        }
        while (query.ContinuationToken is not null);

        return found;
    }

    public async Task<InstanceSnapshot?> GetAsync(string instanceId, CancellationToken cancellation)
    {
        // TaskHubClient.GetOrchestrationStateAsync would also fetch inputs; the engine client's read does not.
        var states = await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: false);
        return states.Count == 0 || states[0] is null ? null : ToSnapshot(states[0]);
    }

    public Task RaiseApprovalAsync(string instanceId, CancellationToken cancellation) =>
        client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, Shape.ApprovalEvent, "approved");

    public Task PurgeFinishedAsync() =>
        service.PurgeInstanceHistoryAsync(DateTime.UtcNow.AddDays(-1), null, [OrchestrationStatus.Completed]);

    public async Task StopAndDeleteAsync()
    {
        await worker.StopAsync(isForced: true);
        await service.DeleteAsync();
    }

    public ValueTask DisposeAsync()
    {
        service.Dispose();
        return ValueTask.CompletedTask;
    }

    private static InstanceSnapshot ToSnapshot(OrchestrationState state) => new(
        state.OrchestrationInstance.InstanceId,
        state.OrchestrationStatus switch
        {
            OrchestrationStatus.Pending => RunState.Pending,
            OrchestrationStatus.Running or OrchestrationStatus.ContinuedAsNew or OrchestrationStatus.Suspended => RunState.Running,
            OrchestrationStatus.Completed => RunState.Completed,
            _ => RunState.Failed,
        },
        state.Status,
        DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc));
}

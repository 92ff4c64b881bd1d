using System.Diagnostics;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using DurableTask.Core.Tracing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using CoreStatus = DurableTask.Core.OrchestrationStatus;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;
using PurgeResult = Microsoft.DurableTask.Client.PurgeResult;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// <see cref="DurableTaskClient"/> over the engine's own orchestration service instance, so that what the client
/// sends wakes the worker at once, and waits answer as soon as this process commits a change.
/// </summary>
internal sealed class EngineDurableTaskClient : DurableTaskClient
{
    // Azure Table Storage holds no date before 1601; an open "from" means from then.
    private static readonly DateTime EarliestTableTime = new(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LastPoll = TimeSpan.FromSeconds(1);

    private static readonly IReadOnlyList<OrchestrationRuntimeStatus> ActiveStatuses =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    private readonly AzureStorageOrchestrationService service;
    private readonly InstanceChangeNotifier changes;
    private readonly DataConverter converter;

    public EngineDurableTaskClient(
        string name, AzureStorageOrchestrationService service, InstanceChangeNotifier changes, DataConverter converter)
        : base(name)
    {
        this.service = service;
        this.changes = changes;
        this.converter = converter;
    }

    public override DurableEntityClient Entities => throw new NotSupportedException(
        "Durable entities are not supported by the DurableAgentOps engine: it runs orchestrations and activities only.");

    /// <remarks>
    /// Unless <see cref="StartOrchestrationOptions.DedupeStatuses"/> says otherwise, an instance id that is still
    /// pending, running or suspended is refused; a finished one is replaced.
    /// </remarks>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        return await ScheduleAsync(orchestratorName, converter.Serialize(input), options);
    }

    private async Task<string> ScheduleAsync(TaskName orchestratorName, string? serializedInput, StartOrchestrationOptions? options)
    {
        var instance = new OrchestrationInstance
        {
            InstanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N"),
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var tags = options?.Tags?.ToDictionary(t => t.Key, t => t.Value) ?? [];
        var started = new ExecutionStartedEvent(-1, serializedInput)
        {
            Name = orchestratorName.Name,
            Version = options?.Version?.Version ?? string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = options?.StartAt?.UtcDateTime,
            Tags = tags,
            // The caller's span, as the SDK's own shim client passes it: DTFx then traces the orchestration and each
            // activity under it (its "DurableTask.Core" source), replay-safe, without the orchestrator's code.
            ParentTraceContext = Activity.Current is { } span ? new DistributedTraceContext(span.Id!, span.TraceStateString) : null,
        };
        var dedupe = (options?.DedupeStatuses?.Select(ParseStatus) ?? ActiveStatuses).Select(s => (CoreStatus)s).ToArray();
        try
        {
            await service.CreateTaskOrchestrationAsync(new TaskMessage { OrchestrationInstance = instance, Event = started }, dedupe);
        }
        catch (OrchestrationAlreadyExistsException ex)
        {
            throw new InvalidOperationException(
                $"An orchestration with instance id '{instance.InstanceId}' already exists and is not finished.", ex);
        }

        return instance.InstanceId;
    }

    public override Task RaiseEventAsync(
        string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return SendAsync(instanceId, new EventRaisedEvent(-1, converter.Serialize(eventPayload)) { Name = eventName }, cancellation);
    }

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason), cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionResumedEvent(-1, reason), cancellation);

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        return service.ForceTerminateTaskOrchestrationAsync(instanceId, converter.Serialize(options?.Output));
    }

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        WaitUntilAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellation);

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var states = await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: getInputsAndOutputs);
        return states.Count == 0 || states[0] is null ? null : ToMetadata(states[0], getInputsAndOutputs);
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(Microsoft.DurableTask.Client.OrchestrationQuery? filter = null) =>
        Pageable.Create(async (continuation, pageSize, cancellation) =>
        {
            var query = new CoreQuery
            {
                RuntimeStatus = filter?.Statuses?.Select(s => (CoreStatus)s).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                PageSize = pageSize ?? filter?.PageSize ?? Microsoft.DurableTask.Client.OrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };
            var result = await ((IOrchestrationServiceQueryClient)service).GetOrchestrationWithQueryAsync(query, cancellation);
            var page = result.OrchestrationState.Select(s => ToMetadata(s, query.FetchInputsAndOutputs)).ToList();
            return new Page<OrchestrationMetadata>(page, result.ContinuationToken);
        });

    public override async Task<PurgeResult> PurgeInstanceAsync(
        string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        var existing = await GetInstancesAsync(instanceId, false, cancellation);
        if (existing is null)
        {
            return new PurgeResult(0);
        }

        if (!existing.IsCompleted)
        {
            throw new InvalidOperationException(
                $"Orchestration '{instanceId}' is {existing.RuntimeStatus}: only finished orchestrations can be purged (terminate it first).");
        }

        var result = await service.PurgeInstanceHistoryAsync(instanceId);
        return new PurgeResult(result.InstancesDeleted);
    }

    public override async Task<PurgeResult> PurgeAllInstancesAsync(
        PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellation.ThrowIfCancellationRequested();
        var statuses = (filter.Statuses ?? [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated])
            .Select(s => (CoreStatus)s).ToList();
        var result = await service.PurgeInstanceHistoryAsync(
            filter.CreatedFrom?.UtcDateTime ?? EarliestTableTime, filter.CreatedTo?.UtcDateTime, statuses);
        return new PurgeResult(result.InstancesDeleted);
    }

    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var states = await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: false);
        if (states.Count == 0 || states[0] is null)
        {
            throw new ArgumentException($"No orchestration with instance id '{instanceId}' exists.", nameof(instanceId));
        }

        cancellation.ThrowIfCancellationRequested();
        var json = await service.GetOrchestrationHistoryAsync(instanceId, states[0].OrchestrationInstance.ExecutionId);
        return HistoryJson.Parse(json);
    }

    public override async Task<string> RestartAsync(string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default)
    {
        var existing = await GetInstancesAsync(instanceId, getInputsAndOutputs: true, cancellation)
            ?? throw new ArgumentException($"No orchestration with instance id '{instanceId}' exists.", nameof(instanceId));
        if (!restartWithNewInstanceId && !existing.IsCompleted)
        {
            throw new InvalidOperationException(
                $"Orchestration '{instanceId}' is {existing.RuntimeStatus}: restart it under the same id only once it has finished.");
        }

        var options = new StartOrchestrationOptions(restartWithNewInstanceId ? null : instanceId);
        return await ScheduleAsync(existing.Name, existing.SerializedInput, options);
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<OrchestrationMetadata> WaitUntilAsync(
        string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var poll = FirstPoll;
        while (true)
        {
            // Take the change signal before reading, so a commit between the read and the wait is not missed.
            var changed = changes.NextChange(instanceId);
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation)
                ?? throw new InvalidOperationException($"No orchestration with instance id '{instanceId}' exists.");
            if (done(metadata))
            {
                return metadata;
            }

            // Another host of the cluster may make the change: poll too, backing off to one second.
            await Task.WhenAny(changed, Task.Delay(poll, cancellation));
            cancellation.ThrowIfCancellationRequested();
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, LastPoll.Ticks));
        }
    }

    private Task SendAsync(string instanceId, HistoryEvent historyEvent, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        return service.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = historyEvent,
        });
    }

    private OrchestrationMetadata ToMetadata(OrchestrationState state, bool withPayloads) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = converter, // custom status is always read, payloads or not
            RuntimeStatus = (OrchestrationRuntimeStatus)state.OrchestrationStatus,
            CreatedAt = state.CreatedTime,
            LastUpdatedAt = state.LastUpdatedTime,
            SerializedInput = withPayloads ? state.Input : null,
            SerializedOutput = withPayloads ? state.Output : null,
            SerializedCustomStatus = state.Status,
            FailureDetails = ToFailureDetails(state.FailureDetails)
                ?? (state.OrchestrationStatus == CoreStatus.Failed ? new TaskFailureDetails("OrchestrationFailed", state.Output ?? "unknown failure", null, null, null) : null),
            Tags = state.Tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(state.Tags),
        };

    private static TaskFailureDetails? ToFailureDetails(FailureDetails? failure) => failure is null
        ? null
        : new TaskFailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, ToFailureDetails(failure.InnerFailure), null);

    private static OrchestrationRuntimeStatus ParseStatus(string status) =>
        Enum.TryParse<OrchestrationRuntimeStatus>(status, ignoreCase: true, out var parsed)
            ? parsed
            : throw new ArgumentException(
                $"'{status}' is not an orchestration status; allowed: {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}.",
                nameof(status));
}

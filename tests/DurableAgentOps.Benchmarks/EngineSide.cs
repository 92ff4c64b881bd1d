using System.Globalization;
using DurableAgentOps.Runtime.Engine;
using DurableTask.AzureStorage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Benchmarks;

/// <summary>The shape as product code writes it: an SDK orchestrator, run by the engine through the shims.</summary>
internal sealed class BenchOrchestrator : TaskOrchestrator<string, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
    {
        foreach (var step in Shape.StepsBeforeApproval)
        {
            context.SetCustomStatus(step);
            await context.CallActivityAsync<string>(nameof(BenchStepActivity), step);
        }

        context.SetCustomStatus(Shape.WaitingStatus);
        try
        {
            await context.WaitForExternalEvent<string>(Shape.ApprovalEvent, Shape.ApprovalTimeout);
        }
        catch (TaskCanceledException)
        {
            context.SetCustomStatus(Shape.TimedOutOutput);
            return Shape.TimedOutOutput;
        }

        context.SetCustomStatus(Shape.WriteStep);
        await context.CallActivityAsync<string>(nameof(BenchStepActivity), Shape.WriteStep);
        context.SetCustomStatus(Shape.CompletedOutput);
        return Shape.CompletedOutput;
    }
}

internal sealed class BenchStepActivity : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input) => Task.FromResult(Shape.StepResult(input));
}

/// <summary>
/// The engine hosted as the standalone host hosts it: a generic host with <c>AddDurableEngine(configuration)</c>,
/// settings given under host.json's names, driven through the engine's <see cref="DurableTaskClient"/>.
/// </summary>
internal sealed class EngineSide : IBenchSide
{
    private readonly IHost host;
    private readonly DurableTaskClient client;
    private readonly string connectionString;
    private readonly ILoggerFactory loggerFactory;

    public EngineSide(string hubName, string connectionString, EngineSettings settings, LogLevel logLevel, ILoggerFactory loggerFactory)
    {
        HubName = hubName;
        this.connectionString = connectionString;
        this.loggerFactory = loggerFactory;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        const string Section = DurableEngineOptions.HostJsonSection;
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            [$"{Section}:hubName"] = hubName,
            [$"{Section}:workerId"] = $"bench-engine-{Environment.ProcessId}",
            [$"{Section}:storageProvider:partitionCount"] = Invariant(settings.PartitionCount),
            [$"{Section}:storageProvider:maxQueuePollingInterval"] = settings.MaxQueuePollingInterval.ToString("c", CultureInfo.InvariantCulture),
            [$"{Section}:storageProvider:controlQueueBatchSize"] = Invariant(settings.ControlQueueBatchSize),
            [$"{Section}:storageProvider:controlQueueBufferThreshold"] = Invariant(settings.ControlQueueBufferThreshold),
            [$"{Section}:storageProvider:partitionTableOperationTimeout"] = settings.PartitionTableOperationTimeout.ToString("c", CultureInfo.InvariantCulture),
            [$"{Section}:maxConcurrentActivityFunctions"] = Invariant(settings.MaxConcurrentActivities),
            [$"{Section}:maxConcurrentOrchestratorFunctions"] = Invariant(settings.MaxConcurrentOrchestrations),
            [$"{Section}:extendedSessionsEnabled"] = settings.ExtendedSessions ? "true" : "false",
        });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel)
            // A failed start is reported once, by the program, without the host's stack trace.
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.AddDurableEngine(builder.Configuration)
            .AddTasks(tasks => tasks.AddOrchestrator<BenchOrchestrator>().AddActivity<BenchStepActivity>());
        host = builder.Build();
        client = host.Services.GetRequiredService<DurableTaskClient>();
    }

    public string Name => "engine";

    public string HubName { get; }

    public Task StartAsync(CancellationToken cancellation) => host.StartAsync(cancellation);

    public Task ScheduleAsync(string instanceId, CancellationToken cancellation) =>
        client.ScheduleNewOrchestrationInstanceAsync(nameof(BenchOrchestrator), instanceId, new StartOrchestrationOptions(instanceId), cancellation);

    public async Task<IReadOnlyList<InstanceSnapshot>> QueryRunningAsync(string prefix, CancellationToken cancellation)
    {
        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Running],
            InstanceIdPrefix = prefix,
            PageSize = 1000,
            FetchInputsAndOutputs = false,
        };
        var found = new List<InstanceSnapshot>();
        await foreach (var metadata in client.GetAllInstancesAsync(query).WithCancellation(cancellation))
        {
            found.Add(ToSnapshot(metadata));
        }

        return found;
    }

    public async Task<InstanceSnapshot?> GetAsync(string instanceId, CancellationToken cancellation) =>
        await client.GetInstancesAsync(instanceId, getInputsAndOutputs: false, cancellation) is { } metadata ? ToSnapshot(metadata) : null;

    public Task RaiseApprovalAsync(string instanceId, CancellationToken cancellation) =>
        client.RaiseEventAsync(instanceId, Shape.ApprovalEvent, "approved", cancellation);

    public Task PurgeFinishedAsync() =>
        client.PurgeAllInstancesAsync(new PurgeInstancesFilter(DateTimeOffset.UtcNow.AddDays(-1), null, [OrchestrationRuntimeStatus.Completed]));

    public async Task StopAndDeleteAsync()
    {
        await host.StopAsync();
        // The engine keeps its provider to itself; a second instance on the same hub can delete it once stopped.
        using var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = HubName,
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            LoggerFactory = loggerFactory,
        });
        await service.DeleteAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }

    private static InstanceSnapshot ToSnapshot(OrchestrationMetadata metadata) => new(
        metadata.InstanceId,
        metadata.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Pending => RunState.Pending,
            OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended => RunState.Running,
            OrchestrationRuntimeStatus.Completed => RunState.Completed,
            _ => RunState.Failed,
        },
        metadata.SerializedCustomStatus,
        metadata.LastUpdatedAt.UtcDateTime);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Shared;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// Runs SDK orchestrators and activities on the Durable Task Framework's <see cref="TaskHubWorker"/> with the
/// Azure Storage provider. Owns the one provider instance of the process, shared with <see cref="Client"/>.
/// </summary>
public sealed class DurableEngine : IHostedService, IAsyncDisposable
{
    /// <summary>How long start-up waits for storage before it gives up with a clear error.</summary>
    public static readonly TimeSpan StorageProbeTimeout = TimeSpan.FromSeconds(3.5);

    private readonly DurableEngineOptions options;
    private readonly StorageConnection storage;
    private readonly ILogger logger;
    private readonly AzureStorageOrchestrationService service;
    private readonly TaskHubWorker worker;
    private readonly EngineDurableTaskClient client;
    private int state; // 0 stopped, 1 running, 2 stopping
    private bool storageVerified;

    // Built on first use and reused: /healthz probes on every request.
    private Azure.Data.Tables.TableServiceClient? probeClient;

    public DurableEngine(
        IOptions<DurableEngineOptions> options,
        StorageConnection storage,
        IOptionsMonitor<DurableTaskRegistry> registries,
        IServiceProvider services,
        ILoggerFactory loggerFactory)
    {
        this.options = options.Value;
        this.storage = storage;
        logger = loggerFactory.CreateLogger<DurableEngine>();
        WorkerId = this.options.WorkerId ?? WorkerInfo.ForThisProcess().WorkerId;

        service = new AzureStorageOrchestrationService(CreateSettings(this.options, storage, WorkerId, loggerFactory));
        var changes = new InstanceChangeNotifier();
        // Web defaults (camelCase, case-insensitive) so payloads posted over HTTP bind and history reads naturally.
        var workerOptions = new DurableTaskWorkerOptions { DataConverter = new JsonDataConverter(EngineJson.Options) };
        var shims = new DurableTaskShimFactory(workerOptions, loggerFactory);

        worker = new TaskHubWorker(new NotifyingOrchestrationService(service, changes), loggerFactory);
        var registry = registries.Get(Options.DefaultName);
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var names = new List<string>();
        foreach (var (name, create) in registry.GetOrchestrators())
        {
            names.Add(name.Name);
            worker.AddTaskOrchestrations(new ShimOrchestrationCreator(name, shims, () => create(services)));
        }

        foreach (var (name, create) in registry.GetActivities())
        {
            worker.AddTaskActivities(new ShimActivityCreator(name, shims, scopes, create));
        }

        OrchestratorNames = names.Order(StringComparer.Ordinal).ToList();
        client = new EngineDurableTaskClient(this.options.HubName, service, changes, workerOptions.DataConverter);
    }

    /// <summary>The client for this engine's task hub; it shares the engine's provider instance.</summary>
    public DurableTaskClient Client => client;

    public string HubName => options.HubName;

    /// <summary>The orchestrators this engine runs, by name.</summary>
    public IReadOnlyList<string> OrchestratorNames { get; }

    public string WorkerId { get; }

    public bool IsRunning => Volatile.Read(ref state) == 1;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A host that probed just before starting (to fail with a clean message) does not ask storage twice.
        if (!storageVerified)
        {
            await ProbeStorageAsync(cancellationToken);
        }
        await worker.StartAsync();

        // The dispatcher exists only once the worker started; it reads the flag per work item, and the first one needs
        // partition leases and a storage round trip first, so nothing runs before this line in practice.
        worker.TaskOrchestrationDispatcher.IncludeParameters = options.StoreInputsInOrchestrationHistory;
        Volatile.Write(ref state, 1);
        logger.EngineStarted(options.HubName, WorkerId, storage.Describe(), options.StorageProvider.PartitionCount);
    }

    /// <summary>
    /// Stops taking work, lets in-flight work items finish, and releases partition leases so another host takes
    /// over at once; work not finished in time stays in the queues for the next host.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref state, 2, 1) != 1)
        {
            return;
        }

        logger.EngineStopping(options.HubName, WorkerId);
        await worker.StopAsync(isForced: false).WaitAsync(cancellationToken);
        logger.EngineStopped(options.HubName, WorkerId);
    }

    /// <summary>
    /// Fails fast, naming the endpoint, when storage cannot be reached (instead of retrying for minutes): two tries
    /// of <see cref="StorageProbeTimeout"/> each, so a briefly slow emulator is not mistaken for a missing one.
    /// </summary>
    public async Task ProbeStorageAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StorageProbeTimeout);
            try
            {
                var tables = probeClient ??= storage.CreateProbeClient(StorageProbeTimeout);
                await foreach (var _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: timeout.Token))
                {
                    break;
                }

                storageVerified = true;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (attempt == 2 || ex is not OperationCanceledException)
                {
                    throw new StorageUnreachableException(storage.Describe(), ex);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        await client.DisposeAsync();
        service.Dispose();
    }

    private static AzureStorageOrchestrationServiceSettings CreateSettings(
        DurableEngineOptions options, StorageConnection storage, string workerId, ILoggerFactory loggerFactory)
    {
        var provider = options.StorageProvider;
        return new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.HubName,
            StorageAccountClientProvider = storage.CreateClientProvider(),
            PartitionCount = provider.PartitionCount,
            MaxQueuePollingInterval = provider.MaxQueuePollingInterval,
            ControlQueueBatchSize = provider.ControlQueueBatchSize,
            ControlQueueBufferThreshold = provider.ControlQueueBufferThreshold,
            ControlQueueVisibilityTimeout = provider.ControlQueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = provider.WorkItemQueueVisibilityTimeout,
            PartitionTableOperationTimeout = provider.PartitionTableOperationTimeout,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivityFunctions,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions,
            ExtendedSessionsEnabled = options.ExtendedSessionsEnabled,
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(options.ExtendedSessionIdleTimeoutInSeconds),
            WorkerId = workerId,
            // Every host of a task hub is one app: the app lease would let only one machine work at a time.
            UseAppLease = false,
            ThrowExceptionOnInvalidDedupeStatus = true,
            LoggerFactory = loggerFactory,
        };
    }



}

/// <summary>Storage could not be reached at start-up; the message names the endpoint.</summary>
public sealed class StorageUnreachableException(string endpoint, Exception inner)
    : Exception($"Storage is unreachable at {endpoint}: {inner.Message.Split('\n')[0].Trim()} " +
        "Start the emulator (./build.sh azurite) or fix the AzureWebJobsStorage setting.", inner);

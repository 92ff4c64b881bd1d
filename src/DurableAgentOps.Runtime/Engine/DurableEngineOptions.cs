namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// Settings of the durable engine, named and defaulted as Durable Functions names them in host.json
/// (<c>extensions.durableTask</c>), so the standalone host and the Functions app are tuned alike.
/// </summary>
public sealed class DurableEngineOptions
{
    /// <summary>The config section that mirrors host.json's <c>extensions.durableTask</c>.</summary>
    public const string HostJsonSection = "extensions:durableTask";

    /// <summary>App settings override host.json under this prefix, as they do in Azure Functions.</summary>
    public const string OverrideSection = "AzureFunctionsJobHost:extensions:durableTask";

    /// <summary>Task hub name: 3–45 letters and digits, starting with a letter (Azure Storage naming rules).</summary>
    public string HubName { get; set; } = "DurableAgentOps";

    public StorageProviderOptions StorageProvider { get; set; } = new();

    /// <summary>Activities this host runs at once (Durable Functions' maxConcurrentActivityFunctions).</summary>
    public int MaxConcurrentActivityFunctions { get; set; } = 10;

    /// <summary>Orchestrations this host runs at once (Durable Functions' maxConcurrentOrchestratorFunctions).</summary>
    public int MaxConcurrentOrchestratorFunctions { get; set; } = 100;

    public bool ExtendedSessionsEnabled { get; set; }

    public int ExtendedSessionIdleTimeoutInSeconds { get; set; } = 30;

    /// <summary>
    /// Keeps each activity's input in the orchestration history (Durable Functions' storeInputsInOrchestrationHistory,
    /// off by default there): replay compares today's activity inputs with these, which it cannot do without them.
    /// </summary>
    public bool StoreInputsInOrchestrationHistory { get; set; }

    /// <summary>Name of this worker in leases and logs; defaults to machine name + process id.</summary>
    public string? WorkerId { get; set; }
}

/// <summary>The <c>storageProvider</c> block of host.json's durableTask settings.</summary>
public sealed class StorageProviderOptions
{
    public const string AzureStorageType = "AzureStorage";

    /// <summary>Only the Azure Storage provider is supported; other values stop start-up.</summary>
    public string Type { get; set; } = AzureStorageType;

    /// <summary>Name of the connection setting (a connection string, or <c>{name}__accountName</c> / service URIs).</summary>
    public string ConnectionName { get; set; } = "AzureWebJobsStorage";

    /// <summary>Durable Functions' older name for <see cref="ConnectionName"/>; honoured when set.</summary>
    public string? ConnectionStringName { get; set; }

    public int PartitionCount { get; set; } = 4;

    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(30);

    public int ControlQueueBatchSize { get; set; } = 32;

    public int ControlQueueBufferThreshold { get; set; } = 256;

    /// <summary>How long a dequeued control message stays hidden; after a crash it reappears after this.</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a dequeued activity message stays hidden; after a crash the activity runs again after this.</summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the table partition manager gives one read-and-write of its partition table before it logs a warning
    /// and tries again at once (the provider's default is 2 s). It must end well before a partition lease (30 s,
    /// renewed every 10 s) would lapse.
    /// </summary>
    public TimeSpan PartitionTableOperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public string EffectiveConnectionName =>
        string.IsNullOrWhiteSpace(ConnectionStringName) ? ConnectionName : ConnectionStringName;
}

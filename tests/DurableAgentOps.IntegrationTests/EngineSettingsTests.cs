using DurableAgentOps.Runtime.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.IntegrationTests;

/// <summary>Settings come from host.json with Durable Functions' names; app settings override them.</summary>
public sealed class EngineSettingsTests
{
    [Fact]
    public void Options_RepositoryHostJson_ReadWithDurableFunctionsNames()
    {
        var options = Bind(new ConfigurationBuilder().AddJsonFile(Path.Combine(Infrastructure.RepoPaths.Root, "host.json")).Build());

        Assert.Equal("DurableAgentOps", options.HubName);
        Assert.Equal(4, options.StorageProvider.PartitionCount);
        Assert.Equal(TimeSpan.FromSeconds(1), options.StorageProvider.MaxQueuePollingInterval);
        Assert.Equal("AzureWebJobsStorage", options.StorageProvider.EffectiveConnectionName);
        Assert.True(options.StoreInputsInOrchestrationHistory); // replay compares activity inputs from the history

        // Recovery in seconds: a dead host's messages reappear after 30 s, not the provider's 5 minutes (HostRecoveryTests).
        Assert.Equal(TimeSpan.FromSeconds(30), options.StorageProvider.WorkItemQueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.StorageProvider.ControlQueueVisibilityTimeout);

        // A slow partition-table read under load is waited for, not cancelled and sent again (bench/results/README.md).
        Assert.Equal(TimeSpan.FromSeconds(10), options.StorageProvider.PartitionTableOperationTimeout);
    }

    [Fact]
    public void Options_AppSettingOverride_WinsOverHostJson()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["extensions:durableTask:hubName"] = "FromHostJson",
                ["extensions:durableTask:maxConcurrentActivityFunctions"] = "3",
                ["AzureFunctionsJobHost:extensions:durableTask:hubName"] = "FromAppSettings",
            })
            .Build();

        var options = Bind(configuration);

        Assert.Equal("FromAppSettings", options.HubName);
        Assert.Equal(3, options.MaxConcurrentActivityFunctions);
    }

    [Fact]
    public void Options_SeveralBadSettings_EachReportedWithItsName()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["extensions:durableTask:storageProvider:partitionCount"] = "0",
                ["extensions:durableTask:storageProvider:workItemQueueVisibilityTimeout"] = "00:00:00",
                ["extensions:durableTask:storageProvider:partitionTableOperationTimeout"] = "00:00:25",
            })
            .Build();

        var error = Assert.Throws<OptionsValidationException>(() => Bind(configuration));

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("storageProvider.partitionTableOperationTimeout 00:00:25 is out of range: allowed values are 00:00:01 to 00:00:20", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("storageProvider.partitionCount 0", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("storageProvider.workItemQueueVisibilityTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void StorageConnection_IdentityBasedSettings_UsesAccountEndpointsAndCredential()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage:accountName"] = "contosoagentops",
                ["AzureWebJobsStorage:credential"] = "managedidentity",
                ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
            })
            .Build();

        var connection = StorageConnection.FromConfiguration(configuration, "AzureWebJobsStorage");

        Assert.Null(connection.ConnectionString);
        Assert.Equal(new Uri("https://contosoagentops.queue.core.windows.net/"), connection.QueueEndpoint);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(connection.Credential);
        Assert.Equal("https://contosoagentops.table.core.windows.net/", connection.Describe());
    }

    [Fact]
    public void StorageConnection_NothingConfigured_IsTheLocalEmulator()
    {
        var connection = StorageConnection.FromConfiguration(new ConfigurationBuilder().Build(), "AzureWebJobsStorage");

        Assert.Equal(StorageConnection.DevelopmentStorage, connection.ConnectionString);
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", connection.Describe());
    }

    [Fact]
    public void StorageConnection_Describe_NeverShowsTheAccountKey()
    {
        var connection = StorageConnection.FromConnectionString(
            "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;EndpointSuffix=core.windows.net");

        Assert.Equal("https://contoso.table.core.windows.net/", connection.Describe());
        Assert.DoesNotContain("c2VjcmV0", connection.Describe(), StringComparison.Ordinal);
    }

    private static DurableEngineOptions Bind(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDurableEngine(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<DurableEngineOptions>>().Value;
    }
}

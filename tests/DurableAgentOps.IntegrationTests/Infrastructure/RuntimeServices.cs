using DurableAgentOps.Runtime;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>The Runtime's services as a host registers them, over the given storage, with tables of their own (a fresh prefix).</summary>
internal static class RuntimeServices
{
    public static ServiceProvider Over(string storageConnectionString, TimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storageConnectionString,
            [GovernanceStorage.PrefixSetting] = "r" + Guid.NewGuid().ToString("N")[..12],
            ["AgentOps:Evidence:SigningKey"] = HostProcess.EvidenceKey,
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            values[name] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection().AddLogging();
        if (time is not null)
        {
            collection.AddSingleton(time); // before the Runtime's TryAdd of the system clock
        }

        collection.AddAgentOpsRuntime(configuration);
        return collection.BuildServiceProvider();
    }
}

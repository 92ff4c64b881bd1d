using DurableAgentOps.Runtime.Engine;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// The engine's client on another process's task hub, with its worker never started: it reads instances and histories
/// and takes no work (no partition lease, no queue message) from the host that runs them.
/// </summary>
internal sealed class TaskHubReader : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private TaskHubReader(ServiceProvider services) => this.services = services;

    public DurableTaskClient Client => services.GetRequiredService<DurableTaskClient>();

    public static TaskHubReader Open(AzuriteFixture azurite, string hubName)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["extensions:durableTask:hubName"] = hubName,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDurableEngine(configuration);
        return new TaskHubReader(services.BuildServiceProvider());
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();
}

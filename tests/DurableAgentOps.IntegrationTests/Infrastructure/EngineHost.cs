using DurableAgentOps.Runtime.Engine;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>The engine in this test process, set up as an application would: a generic host + AddDurableEngine.</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private readonly IHost host;

    private EngineHost(IHost host, string hubName)
    {
        this.host = host;
        HubName = hubName;
    }

    public string HubName { get; }

    public DurableTaskClient Client => host.Services.GetRequiredService<DurableTaskClient>();

    public IServiceProvider Services => host.Services;

    /// <summary>Waits (up to a minute) for the instance to finish; returns it with its input and output.</summary>
    public async Task<OrchestrationMetadata> WaitForCompletionAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
    }

    public static string NewHubName() => "t" + Guid.NewGuid().ToString("N")[..16];

    public static async Task<EngineHost> StartAsync(
        AzuriteFixture azurite, Action<DurableTaskRegistry> tasks, Action<IServiceCollection>? services = null,
        IDictionary<string, string?>? settings = null)
    {
        var hub = NewHubName();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["extensions:durableTask:hubName"] = hub,
            ["extensions:durableTask:storageProvider:partitionCount"] = "2",
            ["extensions:durableTask:storageProvider:maxQueuePollingInterval"] = "00:00:01",
            ["logging:logLevel:default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddDurableEngine(builder.Configuration).AddTasks(tasks);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new EngineHost(host, hub);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}

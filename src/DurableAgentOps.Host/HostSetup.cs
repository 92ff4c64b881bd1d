using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Samples;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Host;

/// <summary>Options of the standalone host's HTTP surface.</summary>
public sealed class AgentOpsHostOptions
{
    /// <summary>Base URL put in the links the API returns; never taken from the request's Host header.</summary>
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:7071");
}

internal static class HostSetup
{
    public static IServiceCollection AddAgentOpsHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AgentOpsHostOptions>(configuration.GetSection("Host"));
        services.AddProblemDetails();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = configuration.GetValue("Host:ShutdownTimeout", TimeSpan.FromSeconds(30)));
        services.AddDurableEngine(configuration)
            .AddAgentWorkflows(configuration)
            .AddTasks(tasks => tasks
                .AddOrchestrator<GovernedRunOrchestrator>()
                .AddActivity<SampleStepActivity>());
        return services;
    }
}

using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Drafting;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>Set-up of governed runs on the engine: orchestrator, step activities, identities, connectors, drafter.</summary>
public static class AgentWorkflowServiceCollectionExtensions
{
    public static DurableEngineBuilder AddAgentWorkflows(this DurableEngineBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.Configure<AgentOpsRunOptions>(configuration.GetSection(AgentOpsRunOptions.Section));
        services.Configure<SystemsOptions>(configuration.GetSection(SystemsOptions.Section));
        services.Configure<WorkflowFilesOptions>(configuration.GetSection(WorkflowFilesOptions.Section));
        services.TryAddSingleton<StepCredentials>();
        services.TryAddSingleton<WorkflowCatalog>();
        services.TryAddSingleton<RunService>();
        services.Configure<DraftModelOptions>(configuration.GetSection(DraftModelOptions.Section));
        services.TryAddSingleton<OfflineDrafter>();
        services.TryAddSingleton<DraftModel>();
        services.AddHttpClient<SystemClient>(http => http.Timeout = TimeSpan.FromSeconds(30));
        return builder.AddTasks(tasks => tasks
            .AddOrchestrator<AgentWorkflowOrchestrator>()
            .AddActivity<ReadStepActivity>()
            .AddActivity<DraftStepActivity>()
            .AddActivity<RouteStepActivity>()
            .AddActivity<WriteStepActivity>());
    }
}

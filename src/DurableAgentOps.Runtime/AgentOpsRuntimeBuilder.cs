using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime;

/// <summary>What <c>AddAgentOpsRuntime</c> returns: where the orchestration runs.</summary>
public sealed class AgentOpsRuntimeBuilder(IServiceCollection services, IConfiguration configuration)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>
    /// Runs the orchestrator and its activities on this process's own engine (the standalone host) with the run service
    /// over the engine's client. The Functions app does not call this: its triggers are the orchestrator and activities.
    /// </summary>
    public AgentOpsRuntimeBuilder UseStandaloneEngine()
    {
        // The task hub's connection is the one host.json names (storageProvider.connectionName), as on Functions; the
        // product's stores share it, so they sit in the same account as the hub they are named after.
        Services.Replace(ServiceDescriptor.Singleton(sp => StorageConnection.FromConfiguration(
            configuration, sp.GetRequiredService<IOptions<DurableEngineOptions>>().Value.StorageProvider.EffectiveConnectionName)));
        Services.AddDurableEngine(configuration).AddTasks(tasks => tasks
            .AddOrchestrator<AgentWorkflowOrchestrator>()
            .AddActivity<LoadDefinitionActivity>()
            .AddActivity<VerifyDecisionActivity>()
            .AddActivity<AdmissionActivity>()
            .AddActivity<PrepareChangeActivity>()
            .AddActivity<NotifyApproversActivity>()
            .AddActivity<AppendEvidenceActivity>()
            .AddActivity<ReadStepActivity>()
            .AddActivity<DraftStepActivity>()
            .AddActivity<RouteStepActivity>()
            .AddActivity<WriteStepActivity>());
        Services.TryAddSingleton<RunService>();
        Services.TryAddSingleton<RunAdministration>();
        return this;
    }
}

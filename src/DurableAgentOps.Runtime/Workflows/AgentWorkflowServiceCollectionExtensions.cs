using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Drafting;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Governance;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>Set-up of governed runs: orchestrator, step activities, identities, connectors, drafter, callers and approvals.</summary>
public static class AgentWorkflowServiceCollectionExtensions
{
    /// <summary>Governed runs on the standalone engine: the services below plus the orchestrator and activities.</summary>
    public static DurableEngineBuilder AddAgentWorkflows(this DurableEngineBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAgentWorkflowServices(configuration);
        builder.Services.TryAddSingleton<RunService>(); // over the engine's own DurableTaskClient
        return builder.AddTasks(tasks => tasks
            .AddOrchestrator<AgentWorkflowOrchestrator>()
            .AddActivity<LoadDefinitionActivity>()
            .AddActivity<VerifyDecisionActivity>()
            .AddActivity<PrepareChangeActivity>()
            .AddActivity<NotifyApproversActivity>()
            .AddActivity<AppendEvidenceActivity>()
            .AddActivity<ReadStepActivity>()
            .AddActivity<DraftStepActivity>()
            .AddActivity<RouteStepActivity>()
            .AddActivity<WriteStepActivity>());
    }

    /// <summary>
    /// What step activities and the run service need, for any host (the standalone engine or Azure Functions, whose
    /// trigger wrappers resolve the activity classes registered here), including caller authentication.
    /// </summary>
    public static IServiceCollection AddAgentWorkflowServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AgentOpsRunOptions>(configuration.GetSection(AgentOpsRunOptions.Section));
        services.Configure<SystemsOptions>(configuration.GetSection(SystemsOptions.Section));
        services.Configure<WorkflowFilesOptions>(configuration.GetSection(WorkflowFilesOptions.Section));
        services.Configure<DraftModelOptions>(configuration.GetSection(DraftModelOptions.Section));
        services.Configure<DirectoryOptions>(configuration.GetSection(DirectoryOptions.Section));
        services.AddAgentOpsAuthentication(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => StorageConnection.FromConfiguration(configuration, "AzureWebJobsStorage"));
        services.TryAddSingleton(sp => GovernanceStorage.FromConfiguration(configuration, sp.GetRequiredService<StorageConnection>()));
        services.TryAddSingleton<DefinitionStore>();
        services.TryAddSingleton<DecisionStore>();
        services.TryAddSingleton<ChangeStore>();
        services.TryAddSingleton<LinkStore>();
        services.AddOptions<EvidenceOptions>().Bind(configuration.GetSection(EvidenceOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EvidenceOptions>, EvidenceOptionsValidator>());
        services.TryAddSingleton<PayloadVault>();
        services.TryAddSingleton<EvidenceKeys>();
        services.TryAddSingleton<EvidenceLedger>();
        services.TryAddSingleton<EvidenceService>();
        services.TryAddTransient<AppendEvidenceActivity>();
        services.TryAddSingleton<Redactor>();
        services.TryAddSingleton<ApprovalRecipients>();
        services.AddApprovalNotifiers(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Transient<IApprovalChannel, EmailChannel>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IApprovalChannel, TeamsChannel>());
        services.AddOptions<ApprovalsOptions>().Bind(configuration.GetSection(ApprovalsOptions.Section))
            .PostConfigure(o => o.PublicBaseUrl ??= Uri.TryCreate(configuration["Host:PublicBaseUrl"], UriKind.Absolute, out var url) ? url : null);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApprovalsOptions>, ApprovalsOptionsValidator>());
        services.AddHttpClient<PrincipalDirectory>(http => http.Timeout = TimeSpan.FromSeconds(15));
        services.TryAddSingleton<PrincipalMatcher>();
        services.TryAddSingleton<StepCredentials>();
        services.TryAddSingleton<ClientIdResolver>();
        services.TryAddSingleton<WorkflowCatalog>();
        services.TryAddSingleton<OfflineDrafter>();
        services.TryAddSingleton<DraftModel>();
        services.AddHttpClient<SystemClient>(http => http.Timeout = TimeSpan.FromSeconds(30));
        services.TryAddTransient<LoadDefinitionActivity>();
        services.TryAddTransient<VerifyDecisionActivity>();
        services.TryAddTransient<PrepareChangeActivity>();
        services.TryAddTransient<NotifyApproversActivity>();
        services.TryAddTransient<ReadStepActivity>();
        services.TryAddTransient<DraftStepActivity>();
        services.TryAddTransient<RouteStepActivity>();
        services.TryAddTransient<WriteStepActivity>();
        return services;
    }
}

using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Drafting;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Principals;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Workflows;
using DurableAgentOps.Runtime.Writer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime;

/// <summary>
/// The Runtime's one composition root: everything a governed run needs on any host (the standalone engine or Azure
/// Functions), with every setting bound and validated when the host starts, so a bad setting stops the host with its
/// name, not a run with a stack trace.
/// </summary>
public static class AgentOpsRuntimeServiceCollectionExtensions
{
    // Long enough for every call of one write, each under the systems' own total timeout.
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromMinutes(2);

    public static AgentOpsRuntimeBuilder AddAgentOpsRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);

        // Settings, checked at start (ValidateOnStart) on both hosts.
        services.AddOptions<AgentOpsRunOptions>().Bind(configuration.GetSection(AgentOpsRunOptions.Section)).ValidateOnStart();
        services.AddOptions<SystemsOptions>().Bind(configuration.GetSection(SystemsOptions.Section)).ValidateOnStart();
        services.AddOptions<WorkflowFilesOptions>().Bind(configuration.GetSection(WorkflowFilesOptions.Section)).ValidateOnStart();
        services.AddOptions<DraftModelOptions>().Bind(configuration.GetSection(DraftModelOptions.Section)).ValidateOnStart();
        services.AddOptions<DirectoryOptions>().Bind(configuration.GetSection(DirectoryOptions.Section)).ValidateOnStart();
        services.AddOptions<EvidenceOptions>().Bind(configuration.GetSection(EvidenceOptions.Section)).ValidateOnStart();
        services.AddOptions<AdmissionOptions>().Bind(configuration.GetSection(AdmissionOptions.Section)).ValidateOnStart();
        services.AddOptions<ApprovalsOptions>().Bind(configuration.GetSection(ApprovalsOptions.Section))
            .PostConfigure(o => o.PublicBaseUrl ??= Uri.TryCreate(configuration["Host:PublicBaseUrl"], UriKind.Absolute, out var url) ? url : null)
            .ValidateOnStart();
        services.AddOptions<StorageSettings>().ValidateOnStart();
        services.AddOptions<WriterOptions>().Bind(configuration.GetSection(WriterOptions.Section)).ValidateOnStart();
        services.AddOptions<DelegationOptions>().Bind(configuration.GetSection(DelegationOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DelegationOptions>, DelegationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WriterOptions>>(new WriterOptionsValidator(inWriter: false)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOpsRunOptions>, AgentOpsRunOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageSettings>, StorageSettingsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EvidenceOptions>, EvidenceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdmissionOptions>, AdmissionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApprovalsOptions>, ApprovalsOptionsValidator>());

        // Storage beside the task hub: deployed definitions, decisions, changes, links, the vault and the ledger.
        services.TryAddSingleton(_ => StorageConnection.FromConfiguration(configuration, StorageSettings.ConnectionName));
        services.TryAddSingleton(sp => GovernanceStorage.FromConfiguration(configuration, sp.GetRequiredService<StorageConnection>()));
        services.TryAddSingleton<DefinitionStore>();
        services.TryAddSingleton<DecisionStore>();
        services.TryAddSingleton<ChangeStore>();
        services.TryAddSingleton<LinkStore>();
        services.TryAddSingleton<WaitingGateStore>();
        services.TryAddSingleton<AdmissionStore>();
        services.TryAddSingleton<IssuedRunStore>();
        services.TryAddSingleton<AdminActionStore>();
        services.TryAddSingleton<PayloadVault>();
        services.TryAddSingleton<EvidenceKeys>();
        services.TryAddSingleton<EvidenceAnchors>();
        services.TryAddSingleton<EvidenceLedger>();
        CarriedEvidence.AddTo(services);
        services.AddHostedService<TimeIndexBackfill>();
        services.TryAddSingleton<EvidenceService>();
        services.TryAddSingleton<AdministrativeRecords>();
        services.TryAddSingleton<Redactor>();

        // People and groups (Microsoft Graph), step identities, the systems they call, the drafter.
        // Each HttpClient below retries, times out and (systems) breaks circuits through its resilience pipeline.
        services.AddPrincipalDirectory();
        services.TryAddSingleton<PrincipalMatcher>();
        services.TryAddSingleton<ApprovalRecipients>();
        services.TryAddSingleton<StepCredentials>();
        services.TryAddSingleton<DelegatedSessionStore>();
        services.TryAddSingleton<DelegatedTokens>();
        services.TryAddSingleton<RunDelegation>();
        services.TryAddSingleton<ClientIdResolver>();
        services.TryAddSingleton<WorkflowCatalog>();
        services.TryAddSingleton(ThisHost.Governance);
        services.TryAddSingleton<OfflineDrafter>();
        services.TryAddSingleton<DraftModel>();
        services.AddSystemClient();
        services.TryAddSingleton<ChangeWriter>();
        services.AddHttpClient<WriterClient>(http => http.Timeout = WriterTimeout);

        // Approval channels: email and Teams, each off (answering "not configured") until its settings are given.
        services.AddApprovalNotifiers(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Transient<IApprovalChannel, EmailChannel>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IApprovalChannel, TeamsChannel>());

        // The orchestration's activities, resolved from DI by both hosts (the Functions app's triggers wrap them).
        services.TryAddTransient<LoadDefinitionActivity>();
        services.TryAddTransient<VerifyDecisionActivity>();
        services.TryAddTransient<AdmissionActivity>();
        services.TryAddTransient<PrepareChangeActivity>();
        services.TryAddTransient<NotifyApproversActivity>();
        services.TryAddTransient<AppendEvidenceActivity>();
        services.TryAddTransient<ReadStepActivity>();
        services.TryAddTransient<DraftStepActivity>();
        services.TryAddTransient<RouteStepActivity>();
        services.TryAddTransient<WriteStepActivity>();
        return new AgentOpsRuntimeBuilder(services, configuration);
    }

    /// <summary>
    /// The writer's composition (the standalone host's writer role, or the writer Function App): the pinned definitions,
    /// the recorded decisions, the vault that reveals redacted values, the systems it writes to and its intent record,
    /// and nothing of the engine, the approval service or the pages. Its settings are checked at start as the main app's are.
    /// </summary>
    public static IServiceCollection AddAgentOpsWriter(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SystemsOptions>().Bind(configuration.GetSection(SystemsOptions.Section)).ValidateOnStart();
        services.AddOptions<EvidenceOptions>().Bind(configuration.GetSection(EvidenceOptions.Section));
        services.AddOptions<StorageSettings>().ValidateOnStart();
        services.AddOptions<WriterOptions>().Bind(configuration.GetSection(WriterOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageSettings>, StorageSettingsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WriterOptions>>(new WriterOptionsValidator(inWriter: true)));
        services.AddOptions<AgentOpsRunOptions>().Bind(configuration.GetSection(AgentOpsRunOptions.Section));
        services.TryAddSingleton(_ => StorageConnection.FromConfiguration(configuration, StorageSettings.ConnectionName));
        services.TryAddSingleton(sp => new WriterStorage(GovernanceStorage.FromConfiguration(configuration, sp.GetRequiredService<StorageConnection>())));
        // The run storage, read only: the writer holds read roles there, so none of its stores may try to create anything.
        services.TryAddSingleton(sp => GovernanceStorage.FromConfiguration(configuration,
            configuration.GetSection(WriterOptions.RunStorageSetting).Exists()
                ? StorageConnection.FromConfiguration(configuration, WriterOptions.RunStorageSetting)
                : sp.GetRequiredService<StorageConnection>()).AsReader());
        services.TryAddSingleton<DefinitionStore>();
        services.TryAddSingleton<DecisionStore>();
        services.TryAddSingleton<WriteIntentStore>();
        services.TryAddSingleton<PayloadVault>();
        services.TryAddSingleton<Redactor>();
        services.TryAddSingleton<ClientIdResolver>();
        // The writer holds no person's session: its delegation settings stay unbound, so it acts for nobody.
        services.AddOptions<DelegationOptions>();
        services.TryAddSingleton<DelegatedSessionStore>();
        services.TryAddSingleton<DelegatedTokens>();
        services.TryAddSingleton(new WorkerInfo("writer-" + WorkerInfo.ForThisProcess().WorkerId));
        services.AddSystemClient();
        services.TryAddSingleton<ChangeWriter>();
        services.TryAddSingleton<WriterService>();
        return services;
    }
}

using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace DurableAgentOps.Functions;

/// <summary>
/// Governed runs on Azure Functions: the orchestrator and one activity per step kind, each delegating to the
/// Runtime class the standalone host runs. The activity classes come from DI (AddAgentOpsRuntime).
/// </summary>
internal sealed class AgentWorkflowFunctions(
    LoadDefinitionActivity load, AdmissionActivity admission, VerifyDecisionActivity verify, PrepareChangeActivity prepare, NotifyApproversActivity notify, AppendEvidenceActivity append,
    ReadStepActivity read, DraftStepActivity draft, RouteStepActivity route, WriteStepActivity write)
{
    [Function(AgentWorkflowOrchestrator.Name)]
    public static Task<RunResult> AgentWorkflow([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new AgentWorkflowOrchestrator().RunAsync(context, context.GetInput<RunRequest>()!);

    // instanceId is not a binding: the worker fills it from the activity trigger's metadata.
    [Function(LoadDefinitionActivity.Name)]
    public Task<Core.Snapshot.WorkflowSnapshot> LoadDefinition([ActivityTrigger] DefinitionRef input, string instanceId) =>
        load.RunAsync(new TriggerActivityContext(LoadDefinitionActivity.Name, instanceId), input);

    [Function(AdmissionActivity.Name)]
    public Task<AdmissionAnswer> Admission([ActivityTrigger] AdmissionRequest input, string instanceId) =>
        admission.RunAsync(new TriggerActivityContext(AdmissionActivity.Name, instanceId), input);

    [Function(VerifyDecisionActivity.Name)]
    public Task<DecisionCheck> VerifyDecision([ActivityTrigger] DecisionCheckRequest input, string instanceId) =>
        verify.RunAsync(new TriggerActivityContext(VerifyDecisionActivity.Name, instanceId), input);

    [Function(PrepareChangeActivity.Name)]
    public Task<ProposedChange> PrepareChange([ActivityTrigger] StepInvocation input, string instanceId) =>
        prepare.RunAsync(new TriggerActivityContext(PrepareChangeActivity.Name, instanceId), input);

    [Function(NotifyApproversActivity.Name)]
    public Task<NotifyOutcome> NotifyApprovers([ActivityTrigger] NotifyRequest input, string instanceId) =>
        notify.RunAsync(new TriggerActivityContext(NotifyApproversActivity.Name, instanceId), input);

    [Function(AppendEvidenceActivity.Name)]
    public Task<long> AppendEvidence([ActivityTrigger] EvidenceBatch input, string instanceId) =>
        append.RunAsync(new TriggerActivityContext(AppendEvidenceActivity.Name, instanceId), input);

    [Function(ReadStepActivity.Name)]
    public Task<StepRecord> ReadStep([ActivityTrigger] StepInvocation input, string instanceId) =>
        read.RunAsync(new TriggerActivityContext(ReadStepActivity.Name, instanceId), input);

    [Function(DraftStepActivity.Name)]
    public Task<StepRecord> DraftStep([ActivityTrigger] StepInvocation input, string instanceId) =>
        draft.RunAsync(new TriggerActivityContext(DraftStepActivity.Name, instanceId), input);

    [Function(RouteStepActivity.Name)]
    public Task<StepRecord> RouteStep([ActivityTrigger] StepInvocation input, string instanceId) =>
        route.RunAsync(new TriggerActivityContext(RouteStepActivity.Name, instanceId), input);

    [Function(WriteStepActivity.Name)]
    public Task<StepRecord> WriteStep([ActivityTrigger] StepInvocation input, string instanceId) =>
        write.RunAsync(new TriggerActivityContext(WriteStepActivity.Name, instanceId), input);
}

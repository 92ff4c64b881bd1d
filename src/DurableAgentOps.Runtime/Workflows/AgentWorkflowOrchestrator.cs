using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Routing;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Core.Validation;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// Runs a deployed workflow definition: loads it by name and hash (refusing any other), then runs each step as its
/// own activity by kind (read, draft, route, write) under the step's identity; a write waits at its approval gate
/// first, counting only decisions the approval service recorded. Deterministic: no I/O, time only from the context.
/// </summary>
public sealed class AgentWorkflowOrchestrator : TaskOrchestrator<RunRequest, RunResult>
{
    public const string Name = nameof(AgentWorkflowOrchestrator);
    public const string ApprovalEvent = "approval";

    /// <summary>Ignored events kept in the status; past this only the count grows, so nobody can bloat the run's state.</summary>
    public const int MaxIgnoredRecorded = 10;

    private readonly List<StepRecord> steps = [];
    private readonly List<ApprovalRecord> approvals = [];
    private int ignoredEvents;

    public override async Task<RunResult> RunAsync(TaskOrchestrationContext context, RunRequest run)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (run?.Initiator?.Id is not { Length: > 0 })
        {
            throw Fail(context, new RunFailure("(start)", "(none)", "refused: the run names no verified initiator"), "refused");
        }

        Report(context, "starting", null, null);
        WorkflowSnapshot snapshot;
        try
        {
            snapshot = await context.CallActivityAsync<WorkflowSnapshot>(LoadDefinitionActivity.Name, new DefinitionRef(run.Workflow, run.DefinitionSha256));
        }
        catch (TaskFailedException failed)
        {
            throw Fail(context, new RunFailure("(definition)", "(none)", $"refused: {Reason(failed.FailureDetails)}"), "refused");
        }

        var definition = snapshot.Definition;
        foreach (var step in definition.Steps)
        {
            var data = RunData.Build(run.Input, DataFor(step, definition));
            if (step.Kind == StepKind.Write && GateFor(step, definition, RunData.Build(run.Input, AllOutputs(definition))) is { } gate)
            {
                var outcome = await WaitForApprovalAsync(context, run, step, gate, definition);
                if (outcome is not null)
                {
                    Report(context, outcome, null, null);
                    return Result(outcome);
                }
            }

            Report(context, "running", step.Id, null);
            var identity = snapshot.Identities.First(i => i.Name == step.Identity);
            var invocation = new StepInvocation(run.RunId, definition.Name, step, identity, ClientIdOf(identity, run.Environment), data);
            try
            {
                steps.Add(await context.CallActivityAsync<StepRecord>(ActivityFor(step.Kind), invocation, RetryOptions(step)));
            }
            catch (TaskFailedException failed)
            {
                throw Fail(context, new RunFailure(step.Id, step.Identity, Reason(failed.FailureDetails)), "failed");
            }
        }

        Report(context, "completed", null, null);
        return Result("completed");
    }

    public static string ActivityFor(StepKind kind) => kind switch
    {
        StepKind.Read => ReadStepActivity.Name,
        StepKind.Draft => DraftStepActivity.Name,
        StepKind.Route => RouteStepActivity.Name,
        _ => WriteStepActivity.Name,
    };

    /// <summary>
    /// A step sees its <c>from</c> steps; a write also sees every earlier step, because the record it targets comes
    /// from what the run read (not from the draft).
    /// </summary>
    private IEnumerable<(StepDefinition, JsonObject?)> DataFor(StepDefinition step, WorkflowDefinition definition) =>
        step.Kind == StepKind.Write
            ? AllOutputs(definition)
            : step.From.Select(id => (definition.FindStep(id)!, OutputOf(id)));

    private IEnumerable<(StepDefinition, JsonObject?)> AllOutputs(WorkflowDefinition definition) =>
        steps.Select(r => (definition.FindStep(r.StepId)!, r.Output));

    private static string ClientIdOf(IdentityDefinition identity, string environment) =>
        identity.ClientIds.TryGetValue(environment, out var id)
            ? id
            : throw new InvalidOperationException($"identity '{identity.Name}' has no client id for environment '{environment}'");

    /// <summary>
    /// The gate a write waits at, or null when it runs without approval. Conditions see everything the run has read
    /// (not only the step's <c>from</c>), and fail closed: a condition on data the run does not have asks for approval.
    /// </summary>
    private GateDefinition? GateFor(StepDefinition step, WorkflowDefinition definition, JsonObject runData)
    {
        var approval = step.Approval;
        var gateId = approval.Mode switch
        {
            ApprovalMode.Gate when approval.When is null || !ConditionEvaluator.TryEvaluate(approval.When, runData, out var applies) || applies => approval.Gate,
            ApprovalMode.Routed => OutputOf(approval.RouteStep!)?["gate"]?.GetValue<string>(),
            _ => null,
        };
        return gateId is null ? null : definition.FindGate(gateId);
    }

    /// <summary>Waits for a quorum of approvals. Returns null when approved, else the run's final outcome.</summary>
    private async Task<string?> WaitForApprovalAsync(
        TaskOrchestrationContext context, RunRequest run, StepDefinition step, GateDefinition gate, WorkflowDefinition definition)
    {
        // One wait per gate of the escalation chain; the validator rejects escalation loops, so the chain is finite.
        for (var hop = 0; hop <= definition.Gates.Count; hop++)
        {
            var tally = new GateTally(gate, run.Initiator.Id);
            var timeout = IsoDuration.TryParse(gate.Timeout, out var span) ? span : TimeSpan.FromDays(1);
            var expiresAt = context.CurrentUtcDateTime + timeout;
            while (!tally.QuorumReached && !tally.Rejected)
            {
                var remaining = expiresAt - context.CurrentUtcDateTime;
                ReportWait(context, new ApprovalWait(step.Id, gate.Id, gate.Approvers.Select(a => $"{a.Kind.ToString().ToLowerInvariant()}:{a.Name}").ToList(),
                    gate.Quorum, gate.Timeout, expiresAt, tally.Approvals, gate.SeparationOfDuties, run.Initiator));
                JsonElement signal;
                try
                {
                    signal = await context.WaitForExternalEvent<JsonElement>(ApprovalEvent, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
                }
                catch (TaskCanceledException)
                {
                    break;
                }

                await JudgeAsync(context, run, step, tally, signal);
            }

            if (tally.Rejected)
            {
                return "rejected";
            }

            if (tally.QuorumReached)
            {
                return null;
            }

            // Timed out: reject, cancel, or move to the escalation gate and wait again.
            if (gate.OnTimeout == TimeoutAction.Escalate && gate.Escalation is { } escalation && definition.FindGate(escalation.To) is { } next)
            {
                gate = next;
                continue;
            }

            return gate.OnTimeout == TimeoutAction.Cancel ? "cancelled" : "timed-out";
        }

        return "timed-out";
    }

    /// <summary>Counts an event only when it names a decision the approval service recorded for this gate.</summary>
    private async Task JudgeAsync(TaskOrchestrationContext context, RunRequest run, StepDefinition step, GateTally tally, JsonElement signal)
    {
        var gate = tally.Gate.Id;
        if (DecisionIdOf(signal) is not { } decisionId)
        {
            Ignore(context, step.Id, gate, null, "ignored: not a decision recorded by the approval service (raised directly, or malformed)");
            return;
        }

        var check = await context.CallActivityAsync<DecisionCheck>(VerifyDecisionActivity.Name, new DecisionCheckRequest(run.RunId, step.Id, gate, decisionId));
        if (check.Decision is not { } decision)
        {
            Ignore(context, step.Id, gate, decisionId, check.Reason ?? "ignored: unverifiable decision");
            return;
        }

        var verdict = tally.Count(decision.PrincipalId, decision.Approved);
        if (verdict != TallyVerdict.Counted && ++ignoredEvents > MaxIgnoredRecorded)
        {
            return;
        }

        approvals.Add(new ApprovalRecord(step.Id, gate, decisionId, new Security.PrincipalRef(decision.PrincipalId, decision.PrincipalName, decision.PrincipalUpn),
            decision.Approved, decision.Channel, decision.MatchedAs, decision.Comment, context.CurrentUtcDateTime, GateTally.Describe(verdict)));
    }

    private void Ignore(TaskOrchestrationContext context, string stepId, string gate, string? decisionId, string reason)
    {
        if (++ignoredEvents <= MaxIgnoredRecorded)
        {
            approvals.Add(new ApprovalRecord(stepId, gate, decisionId, null, null, null, null, null, context.CurrentUtcDateTime, reason));
        }
    }

    /// <summary>The decision id of an <c>approval</c> event, or null for anything else (any shape, any size).</summary>
    private static string? DecisionIdOf(JsonElement signal)
    {
        if (signal.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in signal.EnumerateObject())
        {
            if (string.Equals(property.Name, "decisionId", StringComparison.OrdinalIgnoreCase)
                && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 and <= 200 } id)
            {
                return id;
            }
        }

        return null;
    }

    private JsonObject? OutputOf(string stepId) => steps.FirstOrDefault(r => r.StepId == stepId)?.Output;

    private static TaskOptions? RetryOptions(StepDefinition step)
    {
        if (step.Retry is not { MaxAttempts: > 1 } retry)
        {
            return null;
        }

        var backoff = IsoDuration.TryParse(retry.Backoff, out var first) ? first : TimeSpan.FromSeconds(5);
        return TaskOptions.FromRetryPolicy(new Microsoft.DurableTask.RetryPolicy(retry.MaxAttempts, backoff)
        {
            // Refusals (scope guard, 401/403) do not heal by trying again.
            HandleFailure = failure => !failure.IsCausedBy<StepRefusedException>() && !failure.IsCausedBy<Core.Scope.ScopeViolationException>(),
        });
    }

    private static string Reason(TaskFailureDetails? details)
    {
        var inner = details;
        while (inner?.InnerFailure is not null)
        {
            inner = inner.InnerFailure;
        }

        return inner is null ? "unknown failure" : $"{inner.ErrorType.Split('.').Last()}: {inner.ErrorMessage}";
    }

    private WorkflowStepFailedException Fail(TaskOrchestrationContext context, RunFailure failure, string phase)
    {
        Report(context, phase, failure.Step, failure);
        return new WorkflowStepFailedException(failure);
    }

    private RunResult Result(string outcome) => new(outcome, Summaries(), approvals);

    private List<StepSummary> Summaries() => steps.Select(s => s.Summarize()).ToList();

    private void Report(TaskOrchestrationContext context, string phase, string? currentStep, RunFailure? failure) =>
        context.SetCustomStatus(new RunProgress(phase, currentStep, Summaries(), approvals, null, failure, ignoredEvents));

    private void ReportWait(TaskOrchestrationContext context, ApprovalWait wait) =>
        context.SetCustomStatus(new RunProgress("awaiting-approval", wait.StepId, Summaries(), approvals, wait, null, ignoredEvents));
}

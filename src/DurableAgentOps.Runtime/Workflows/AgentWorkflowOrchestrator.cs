using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Routing;
using DurableAgentOps.Core.Validation;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// Runs a workflow definition snapshot: each step is its own activity by kind (read, draft, route, write) under the
/// step's identity; a write waits at its approval gate first. Deterministic: no I/O, time only from the context.
/// </summary>
public sealed class AgentWorkflowOrchestrator : TaskOrchestrator<RunRequest, RunResult>
{
    public const string Name = nameof(AgentWorkflowOrchestrator);
    public const string ApprovalEvent = "approval";

    private readonly List<StepRecord> steps = [];
    private readonly List<ApprovalRecord> approvals = [];

    public override async Task<RunResult> RunAsync(TaskOrchestrationContext context, RunRequest run)
    {
        var definition = run.Snapshot.Definition;
        foreach (var step in definition.Steps)
        {
            var data = RunData.Build(run.Input, step.From.Select(id => (definition.FindStep(id)!, OutputOf(id))));
            if (step.Kind == StepKind.Write)
            {
                var gate = GateFor(step, definition, RunData.Build(run.Input, steps.Select(r => (definition.FindStep(r.StepId)!, r.Output))));
                if (gate is not null)
                {
                    var outcome = await WaitForApprovalAsync(context, run, step, gate, definition);
                    if (outcome is not null)
                    {
                        Report(context, outcome, null, null);
                        return new RunResult(outcome, steps, approvals);
                    }
                }
            }

            Report(context, "running", step.Id, null);
            var identity = run.Snapshot.Identities.First(i => i.Name == step.Identity);
            var invocation = new StepInvocation(run.RunId, definition.Name, step, identity, ClientIdOf(identity, run.Environment), data);
            try
            {
                var record = await context.CallActivityAsync<StepRecord>(ActivityFor(step.Kind), invocation, RetryOptions(step));
                steps.Add(record);
            }
            catch (TaskFailedException failed)
            {
                var failure = new RunFailure(step.Id, step.Identity, Reason(failed.FailureDetails));
                Report(context, "failed", step.Id, failure);
                throw new WorkflowStepFailedException(failure);
            }
        }

        Report(context, "completed", null, null);
        return new RunResult("completed", steps, approvals);
    }

    public static string ActivityFor(StepKind kind) => kind switch
    {
        StepKind.Read => ReadStepActivity.Name,
        StepKind.Draft => DraftStepActivity.Name,
        StepKind.Route => RouteStepActivity.Name,
        _ => WriteStepActivity.Name,
    };

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
        var approvers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        // One wait per gate of the escalation chain; the validator rejects escalation loops, so the chain is finite.
        for (var hop = 0; hop <= definition.Gates.Count; hop++)
        {
            var timeout = IsoDuration.TryParse(gate.Timeout, out var span) ? span : TimeSpan.FromDays(1);
            var expiresAt = context.CurrentUtcDateTime + timeout;
            while (approvers.Count < gate.Quorum)
            {
                var remaining = expiresAt - context.CurrentUtcDateTime;
                ReportWait(context, new ApprovalWait(step.Id, gate.Id, gate.Approvers.Select(a => $"{a.Kind.ToString().ToLowerInvariant()}:{a.Name}").ToList(),
                    gate.Quorum, gate.Timeout, expiresAt, approvers.Count, gate.SeparationOfDuties, run.Initiator));
                ApprovalDecision decision;
                try
                {
                    decision = await context.WaitForExternalEvent<ApprovalDecision>(ApprovalEvent, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
                }
                catch (TaskCanceledException)
                {
                    break;
                }

                var counted = Judge(decision, run, gate, approvers);
                approvals.Add(new ApprovalRecord(step.Id, gate.Id, decision.Approver, decision.Approved, decision.Channel, decision.Comment,
                    context.CurrentUtcDateTime, counted));
                if (counted == "counted" && !decision.Approved)
                {
                    return "rejected";
                }
            }

            if (approvers.Count >= gate.Quorum)
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

    private static string Judge(ApprovalDecision decision, RunRequest run, GateDefinition gate, HashSet<string> approvers)
    {
        if (gate.SeparationOfDuties && string.Equals(decision.Approver, run.Initiator, StringComparison.OrdinalIgnoreCase))
        {
            return "ignored: the initiator may not approve (separation of duties)";
        }

        if (!approvers.Add(decision.Approver))
        {
            return "ignored: this approver already answered";
        }

        return "counted";
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

    private void Report(TaskOrchestrationContext context, string phase, string? currentStep, RunFailure? failure) =>
        context.SetCustomStatus(new RunProgress(phase, currentStep, steps, approvals, null, failure));

    private void ReportWait(TaskOrchestrationContext context, ApprovalWait wait) =>
        context.SetCustomStatus(new RunProgress("awaiting-approval", wait.StepId, steps, approvals, wait, null));
}

using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>The orchestration input: the exact definition that runs (with its hash), the input, who started it.</summary>
public sealed record RunRequest(string RunId, WorkflowSnapshot Snapshot, JsonObject Input, string Initiator, string Environment);

/// <summary>What one step activity gets: its definition, the identity it runs as, and the data its <c>from</c> steps produced.</summary>
public sealed record StepInvocation(
    string RunId, string Workflow, StepDefinition Step, IdentityDefinition Identity, string ClientId, JsonObject Data);

/// <summary>Model use of a draft step: which model, the prompt, and tokens in and out.</summary>
public sealed record ModelUsage(string Model, string Prompt, long InputTokens, long OutputTokens);

/// <summary>
/// What one step did, under which identity and scope: the run's status shows it, and the evidence ledger keeps it.
/// </summary>
public sealed record StepRecord(
    string StepId,
    StepKind Kind,
    string Identity,
    string ClientId,
    StepScope Scope,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Records,
    DateTimeOffset StartedAt,
    int DurationMs,
    string Outcome,
    string Worker,
    JsonObject? Output,
    ModelUsage? ModelUsage);

/// <summary>An approver's answer (the external event's payload).</summary>
public sealed record ApprovalDecision(string Approver, bool Approved, string Channel = "api", string? Comment = null);

/// <summary>A decision as the run recorded it, with whether it counted.</summary>
public sealed record ApprovalRecord(
    string StepId, string Gate, string Approver, bool Approved, string Channel, string? Comment, DateTime At, string Counted);

/// <summary>The gate a run waits at.</summary>
public sealed record ApprovalWait(
    string StepId, string Gate, IReadOnlyList<string> Approvers, int Quorum, string Timeout, DateTime ExpiresAt,
    int ApprovalsSoFar, bool SeparationOfDuties, string Initiator);

/// <summary>Why a run stopped: the step, its identity and the reason.</summary>
public sealed record RunFailure(string Step, string Identity, string Reason);

/// <summary>Live progress of a run (the orchestration's custom status).</summary>
public sealed record RunProgress(
    string Phase,
    string? CurrentStep,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<ApprovalRecord> Approvals,
    ApprovalWait? WaitingFor,
    RunFailure? Failure);

/// <summary>The run's result: completed, rejected, timed-out or cancelled, with every step and decision.</summary>
public sealed record RunResult(string Outcome, IReadOnlyList<StepRecord> Steps, IReadOnlyList<ApprovalRecord> Approvals);

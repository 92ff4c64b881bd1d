using System.Text.Json.Nodes;
using DurableAgentOps.Core.Runs;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>A run as the API and CLI show it: status, current step, each step's identity and outcome.</summary>
public sealed record RunStatus(
    string RunId,
    string Workflow,
    string DefinitionSha256,
    string Status,
    string Phase,
    string? CurrentStep,
    string Initiator,
    string? Outcome,
    ApprovalWait? WaitingFor,
    IReadOnlyList<StepRecord> Steps,
    IReadOnlyList<ApprovalRecord> Approvals,
    RunFailure? Failure,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt);

/// <summary>Why a run request was refused: unknown workflow, invalid definition or bad input (each field named).</summary>
public sealed class RunRequestException(int status, string title, string detail, IReadOnlyList<InputError>? errors = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public IReadOnlyList<InputError> Errors { get; } = errors ?? [];
}

/// <summary>Starts governed runs, reads their status and records approvals; shared by the HTTP API and tests.</summary>
public sealed class RunService(DurableTaskClient client, WorkflowCatalog workflows, IOptions<AgentOpsRunOptions> options)
{
    public async Task<string> StartAsync(string workflow, JsonObject? input, string initiator, CancellationToken cancellationToken)
    {
        var loaded = workflows.Find(workflow)
            ?? throw new RunRequestException(404, "Unknown workflow.", $"No workflow named '{workflow}' in {workflows.Folder}.");
        if (loaded.HasErrors)
        {
            var first = loaded.Findings.Concat(loaded.Catalogue.Findings).FirstOrDefault(f => f.IsError);
            throw new RunRequestException(422, "The workflow file has errors.", $"{first}; run 'agentops validate' to see every finding.");
        }

        var errors = RunInputValidator.Validate(loaded.Definition!, input);
        if (errors.Count > 0)
        {
            throw new RunRequestException(400, "The run input is invalid.",
                string.Join("; ", errors.Select(e => $"input.{e.Field}: {e.Message}")), errors);
        }

        if (string.IsNullOrWhiteSpace(initiator))
        {
            throw new RunRequestException(400, "Who starts the run?", "'initiator' is required: approvals are checked against it (separation of duties).");
        }

        var snapshot = loaded.ToSnapshot();
        var runId = $"{workflow}-{Guid.NewGuid():N}"[..Math.Min(workflow.Length + 13, 64)];
        var request = new RunRequest(runId, snapshot, input ?? [], initiator, options.Value.Environment);
        var tags = new Dictionary<string, string> { ["workflow"] = workflow, ["initiator"] = initiator, ["definitionSha256"] = snapshot.Sha256 };
        await client.ScheduleNewOrchestrationInstanceAsync(AgentWorkflowOrchestrator.Name, request,
            new StartOrchestrationOptions(runId) { Tags = tags }, cancellationToken);
        return runId;
    }

    public async Task<RunStatus?> GetAsync(string runId, CancellationToken cancellationToken)
    {
        // Status is polled often (the CLI every 250 ms): read without payloads, so the definition snapshot in the
        // input is not downloaded. The custom status has all a status shows: the orchestrator reports the outcome
        // (as the phase), steps and approvals before it returns its result.
        var metadata = await client.GetInstanceAsync(runId, getInputsAndOutputs: false, cancellationToken);
        if (metadata is null || metadata.Name != AgentWorkflowOrchestrator.Name)
        {
            return null;
        }

        var progress = metadata.ReadCustomStatusAs<RunProgress>();
        var failure = progress?.Failure ?? (metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed
            ? new RunFailure(progress?.CurrentStep ?? "unknown", "unknown", metadata.FailureDetails?.ErrorMessage ?? "unknown failure")
            : null);
        var outcome = metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? progress?.Phase : failure is null ? null : "failed";
        metadata.Tags.TryGetValue("workflow", out var workflow);
        metadata.Tags.TryGetValue("initiator", out var initiator);
        metadata.Tags.TryGetValue("definitionSha256", out var sha);
        return new RunStatus(runId, workflow ?? "unknown", sha ?? string.Empty, metadata.RuntimeStatus.ToString(),
            progress?.Phase ?? "pending", progress?.CurrentStep, initiator ?? "unknown", outcome,
            metadata.IsCompleted ? null : progress?.WaitingFor, progress?.Steps ?? [], progress?.Approvals ?? [],
            failure, metadata.CreatedAt, metadata.LastUpdatedAt);
    }

    /// <summary>Records an approver's decision for the gate the run waits at.</summary>
    public async Task<ApprovalWait> ApproveAsync(string runId, ApprovalDecision decision, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(decision.Approver))
        {
            throw new RunRequestException(400, "Who approves?", "'approver' is required.");
        }

        var status = await GetAsync(runId, cancellationToken)
            ?? throw new RunRequestException(404, "Unknown run.", $"No run with id '{runId}'.");
        var wait = status.WaitingFor
            ?? throw new RunRequestException(409, "The run is not waiting for approval.", $"Run '{runId}' is {status.Status} ({status.Phase}).");
        if (wait.SeparationOfDuties && string.Equals(wait.Initiator, decision.Approver, StringComparison.OrdinalIgnoreCase))
        {
            throw new RunRequestException(403, "Separation of duties.", $"{decision.Approver} started run '{runId}' and may not approve it.");
        }

        await client.RaiseEventAsync(runId, AgentWorkflowOrchestrator.ApprovalEvent, decision, cancellationToken);
        return wait;
    }
}

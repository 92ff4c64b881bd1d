using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A run's first activity. It checks that the run service issued this start (<see cref="IssuedRunStore"/>: a row for the
/// engine's instance id holding the digest of exactly the input the orchestration got, which the orchestrator computes,
/// <see cref="DefinitionRef.RunDigest"/>), and that no run went on from it before (its ledger holds no run-start); then
/// loads the deployed definition it names, by workflow and SHA-256, from the definition store, its content re-hashed.
/// Anything else (an orchestration scheduled around the run service, an unknown hash, altered content) fails the run
/// before any step. The check runs in the worker, so it holds on either host whatever route scheduled the run.
/// </summary>
public sealed class LoadDefinitionActivity(DefinitionStore definitions, IssuedRunStore issued, EvidenceLedger ledger, ILogger<LoadDefinitionActivity> logger)
    : TaskActivity<DefinitionRef, WorkflowSnapshot>
{
    public const string Name = nameof(LoadDefinitionActivity);

    public override async Task<WorkflowSnapshot> RunAsync(TaskActivityContext context, DefinitionRef input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var runId = context.InstanceId;
        if (await NotIssuedAsync(runId, input.RunDigest) is { } reason)
        {
            logger.StartNotIssued(runId, reason);
            throw new StartNotIssuedException(reason);
        }

        return await definitions.LoadAsync(input.Workflow ?? string.Empty, input.Sha256 ?? string.Empty, CancellationToken.None);
    }

    /// <summary>Why the run service did not issue this start, or null when it did.</summary>
    private async Task<string?> NotIssuedAsync(string runId, string? digest)
    {
        if (digest is not { Length: > 0 })
        {
            return $"run '{runId}' was not started by the run service: its input claims orchestration logic older than " +
                $"version {RunLogic.IssuedStart}, which no run service issues now; start it through the run API";
        }

        var issuedDigest = await issued.DigestOfAsync(runId, CancellationToken.None);
        if (issuedDigest is null)
        {
            return $"run '{runId}' was not started by the run service (no start was issued under this id); start runs through the run API";
        }

        if (!string.Equals(issuedDigest, digest, StringComparison.Ordinal))
        {
            return $"run '{runId}' does not have the input the run service issued (initiator, workflow, input or governance differ); " +
                "start runs through the run API";
        }

        if (await ledger.HasStartAsync(runId, CancellationToken.None))
        {
            return $"run '{runId}' was already started once (its ledger holds its start): an issued start is used once";
        }

        return null;
    }
}

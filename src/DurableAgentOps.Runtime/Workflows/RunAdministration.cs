using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// Administrators' control of governed runs (terminate, suspend, resume, purge of the engine history), recorded: the
/// action is written to <see cref="AdminActionStore"/> before the engine acts, then put into the run's evidence by
/// <see cref="AdministrativeRecords"/> as soon as the chain can take it. If the host dies between the engine's action and
/// the evidence, the action is still in its table and goes in when anyone reads the run or repeats the request.
/// </summary>
public sealed class RunAdministration(DurableTaskClient client, AdminActionStore actions, AdministrativeRecords records, RunDelegation delegation, TimeProvider time)
{
    /// <summary>How long a terminate waits for the engine to stop the run before answering; the chain is closed later otherwise.</summary>
    public static readonly TimeSpan TerminateWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Records the caller's action on the run, then has the engine do it, then brings the run's evidence up to date. Only
    /// an administrator (checked here again, whatever the endpoint's policy). Returns null when the evidence is up to
    /// date, else why it could not take the action now (the action is done and stays recorded in its table; the run's
    /// next read tries again).
    /// </summary>
    public async Task<string?> ControlAsync(string runId, string action, string? reason, Caller caller, Func<Task> act, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(act);
        if (!caller.IsInRole(AppRoles.Administrator))
        {
            throw new RunRequestException(403, "Not allowed.", $"{action} needs the app role {AppRoles.Administrator}; {caller.Name} does not hold it.");
        }

        await actions.RecordAsync(new AdminAction(runId, string.Empty, action, caller.Id, caller.TenantId, caller.ObjectId, caller.Name, caller.Upn,
            reason, time.GetUtcNow(), "instance-api"), cancellationToken);
        if (action == AdminAction.Purge)
        {
            await ReconcileAsync(runId, cancellationToken); // while the engine can still say how the run ended
        }

        await act();
        if (action == AdminAction.Terminate)
        {
            await WaitForEndAsync(runId, cancellationToken);
        }

        try
        {
            await ReconcileAsync(runId, cancellationToken);
            return null;
        }
        catch (Azure.RequestFailedException ex)
        {
            return $"storage answered {ex.Status}"; // its message names the account's endpoint
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Puts what the run's actions table holds into its evidence, if the chain can take it now: after the run's own end,
    /// or when the engine reports it terminated (the host then writes its run-end), or once its history was purged.
    /// </summary>
    public async Task ReconcileAsync(string runId, CancellationToken cancellationToken)
    {
        var metadata = await client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
        {
            // Purged (or never here): a chain still open can only have been stopped by the engine, by a terminate recorded here.
            var recorded = await actions.ListAsync(runId, cancellationToken);
            if (recorded.Count > 0)
            {
                await records.RecordAsync(runId, recorded.Any(a => a.Action == AdminAction.Terminate), null, cancellationToken);
            }

            return;
        }

        if (metadata.Name != AgentWorkflowOrchestrator.Name || !metadata.IsCompleted)
        {
            return;
        }

        var terminated = metadata.RuntimeStatus == OrchestrationRuntimeStatus.Terminated;
        await records.ReconcileEndedAsync(runId, terminated, terminated ? TerminateReason(metadata) : null, cancellationToken);
        // An ended run (terminated, or whose own end could not delete it) keeps no session acting for its starter.
        await delegation.EndAsync(runId, cancellationToken);
    }

    private async Task WaitForEndAsync(string runId, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + TerminateWait;
        while (time.GetUtcNow() < until)
        {
            if (await client.GetInstanceAsync(runId, getInputsAndOutputs: false, cancellationToken) is not { IsCompleted: false })
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }
    }

    /// <summary>The reason the engine keeps as a terminated instance's output (a JSON string), if it is one.</summary>
    internal static string? TerminateReason(OrchestrationMetadata metadata)
    {
        try
        {
            return metadata.ReadOutputAs<string>() is { Length: > 0 and <= 500 } reason ? reason : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

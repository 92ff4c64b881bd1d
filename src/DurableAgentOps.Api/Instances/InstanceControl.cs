using System.Security.Claims;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Api.Instances;

/// <summary>
/// The instance API's control of instances: raise event, terminate, suspend, resume and purge. For a governed run the
/// four administrators' actions are recorded through <see cref="RunAdministration"/> (before the engine acts, then in the
/// run's evidence); any other instance is controlled as Durable Functions would.
/// </summary>
internal static class InstanceControl
{
    internal static async Task<IResult> Control(
        string instanceId, string? reason, RecordedAction? recorded, DurableTaskClient client, CancellationToken ct, Func<DurableTaskClient, Task> action)
    {
        if (ApiResults.InvalidId(instanceId, "instanceId") is { } invalid)
        {
            return invalid;
        }

        if (reason is { Length: > InstanceApi.MaxReasonLength })
        {
            return InstanceApi.Problem(400, "The reason is too long.", $"'reason' is {reason.Length} characters; the limit is {InstanceApi.MaxReasonLength}.");
        }

        var metadata = await client.GetInstanceAsync(instanceId, ct);
        if (metadata is null)
        {
            return InstanceApi.NotFound(instanceId);
        }

        var governed = recorded is not null && metadata.Name == AgentWorkflowOrchestrator.Name;
        if (metadata.IsCompleted)
        {
            if (governed)
            {
                // A terminate repeated because its host died before the evidence: the run's chain is closed now.
                await recorded!.Admin.ReconcileAsync(instanceId, ct);
            }

            return InstanceApi.Problem(410, "The instance has finished.", $"Instance '{instanceId}' is {metadata.RuntimeStatus}; it no longer accepts events or control.");
        }

        if (!governed)
        {
            await action(client);
            return Results.Accepted();
        }

        // Recorded before the engine acts, put into the run's evidence after (docs/EVIDENCE.md, "Administrators' actions").
        return await ApiResults.OrRefusalAsync(async () =>
        {
            var deferred = await recorded!.Admin.ControlAsync(instanceId, recorded.Action, reason, recorded.User.ToCaller(), () => action(client), ct);
            return deferred is null ? Results.Accepted() : Results.Json(Deferred(deferred), statusCode: 202);
        });
    }

    /// <summary>
    /// Deletes an instance's engine history and status. A governed run's evidence stays (it has its own retention); the
    /// purge is recorded in it, by whom and when. A purge repeated after its host died puts the record in then.
    /// </summary>
    internal static async Task<IResult> Purge(
        string instanceId, ClaimsPrincipal user, [FromServices] DurableTaskClient client, [FromServices] RunAdministration admin, CancellationToken ct)
    {
        if (ApiResults.InvalidId(instanceId, "instanceId") is { } invalid)
        {
            return invalid;
        }

        var metadata = await client.GetInstanceAsync(instanceId, ct);
        if (metadata is null)
        {
            await admin.ReconcileAsync(instanceId, ct);
            return InstanceApi.NotFound(instanceId);
        }

        try
        {
            var deleted = await PurgeOneAsync(metadata, user, client, admin, ct);
            return deleted == 0 ? InstanceApi.NotFound(instanceId) : Results.Json(new { instancesDeleted = deleted });
        }
        catch (InvalidOperationException ex)
        {
            return InstanceApi.Problem(409, "The instance is still running.", ex.Message);
        }
        catch (RunRequestException ex)
        {
            return InstanceApi.Problem(ex.Status, ex.Title, ex.Message);
        }
    }

    internal static async Task<int> PurgeOneAsync(OrchestrationMetadata metadata, ClaimsPrincipal user, DurableTaskClient client, RunAdministration admin, CancellationToken ct)
    {
        var deleted = 0;
        async Task PurgeAsync() => deleted = (await client.PurgeInstanceAsync(metadata.InstanceId, ct)).PurgedInstanceCount;
        if (metadata.Name == AgentWorkflowOrchestrator.Name && metadata.IsCompleted)
        {
            // Done and recorded in the actions table even when the evidence cannot take it now: the next read puts it there.
            await admin.ControlAsync(metadata.InstanceId, AdminAction.Purge, null, user.ToCaller(), PurgeAsync, ct);
        }
        else
        {
            await PurgeAsync(); // not a governed run, or still running (the engine refuses it)
        }

        return deleted;
    }

    /// <summary>The engine acted and the action is recorded, but the run's evidence could not take it now (say why).</summary>
    private static object Deferred(string why) => new
    {
        recorded = "actions table",
        evidence = "deferred",
        detail = $"Done and recorded in the host's actions table; the run's evidence could not take it now ({why}). It goes in on the run's next read.",
    };
}

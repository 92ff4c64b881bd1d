using System.Globalization;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Runtime.Stores;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Puts administrators' recorded actions (<see cref="AdminActionStore"/>) into a run's evidence chain as <c>admin</c>
/// records. The orchestration numbers its own records, so while it may still write the chain nobody else does: the
/// actions wait in their table and go in once it cannot — after its own run-end, or, when the engine terminated it,
/// followed by the <c>run-end</c> (outcome <c>terminated</c>) the host writes for it. Idempotent: an action already in the
/// chain (by its id) is not put there again, and a chain that has its run-end gets no second one. Every caller may
/// call it again after a crash; whoever comes first writes.
/// </summary>
public sealed class AdministrativeRecords(EvidenceLedger ledger, AdminActionStore actions, TimeProvider time)
{
    /// <summary>The record kind of an administrator's action.</summary>
    public const string Kind = "admin";

    /// <summary>The run-end outcome of a run the engine terminated.</summary>
    public const string Terminated = "terminated";

    /// <summary>
    /// Appends the run's actions not yet in its chain, if its chain is closed or <paramref name="terminated"/> (the engine
    /// reports the run terminated: then the host closes the chain). <paramref name="engineReason"/> is the engine's
    /// terminate reason, for a run terminated without a recorded action (by a route that records none). Null when the
    /// run has no evidence to append to.
    /// </summary>
    public async Task<RunHead?> RecordAsync(string runId, bool terminated, string? engineReason, CancellationToken cancellationToken)
    {
        var recorded = await actions.ListAsync(runId, cancellationToken);
        var now = time.GetUtcNow();
        return await ledger.AppendAfterAsync(runId, chain => EntriesFor(chain, recorded, terminated, engineReason, now),
            summary => terminated && summary.Status != Terminated && summary.EndedAt is null ? summary with { Status = Terminated, EndedAt = now } : summary,
            now, cancellationToken);
    }

    /// <summary>
    /// For a run the engine says has ended: closes its chain if it was terminated, and puts in the actions it does not
    /// hold yet. A run with no recorded action and not terminated costs one query of the actions table.
    /// </summary>
    public async Task ReconcileEndedAsync(string runId, bool terminated, string? engineReason, CancellationToken cancellationToken)
    {
        if (terminated || (await actions.ListAsync(runId, cancellationToken)).Count > 0)
        {
            await RecordAsync(runId, terminated, engineReason, cancellationToken);
        }
    }

    private static List<EvidenceEntry> EntriesFor(
        IReadOnlyList<EvidenceRecord> chain, IReadOnlyList<AdminAction> recorded, bool terminated, string? engineReason, DateTimeOffset now)
    {
        var ended = chain.Any(r => r.Kind == "run-end");
        if ((!ended && !terminated) || RunGovernance.Off(chain.Select(StoredRecord.Of)).Contains(GovernanceSwitches.Evidence, StringComparer.Ordinal))
        {
            return []; // the orchestration still writes this chain, or the run keeps its start only (evidence was off)
        }

        var present = chain.Where(r => r.Kind == Kind)
            .Select(r => r.Data["actionId"] is JsonValue id && id.TryGetValue<string>(out var text) ? text : null).ToHashSet(StringComparer.Ordinal);
        var entries = recorded.Where(a => !present.Contains(a.ActionId)).Select(Entry).ToList();
        if (!ended)
        {
            var by = recorded.LastOrDefault(a => a.Action == AdminAction.Terminate);
            entries.Add(new EvidenceEntry("run-end", now, new JsonObject
            {
                ["outcome"] = Terminated,
                ["failure"] = null,
                ["terminatedBy"] = by is null ? null : Principal(by),
                ["actionId"] = by?.ActionId,
                ["reason"] = by is null ? engineReason ?? "terminated outside the host's instance API: no administrator was recorded" : by.Reason,
            }));
        }

        return entries;
    }

    private static EvidenceEntry Entry(AdminAction action) => new(Kind, action.At, new JsonObject
    {
        ["action"] = action.Action,
        ["actionId"] = action.ActionId,
        ["principal"] = Principal(action),
        ["tenantId"] = action.TenantId,
        ["objectId"] = action.ObjectId,
        ["reason"] = action.Reason,
        ["requestedAt"] = action.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["via"] = action.Via,
    });

    private static JsonObject Principal(AdminAction action) => new()
    {
        ["id"] = action.PrincipalId,
        ["name"] = action.PrincipalName,
        ["upn"] = action.PrincipalUpn,
    };
}

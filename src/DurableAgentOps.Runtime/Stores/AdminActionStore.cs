using System.Globalization;
using Azure.Data.Tables;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>
/// Administrators' actions on runs, one partition per run, one row per action in the order they were asked for (the row
/// key starts with the time). Written before the engine acts ("requested"), so an action whose host died before its
/// evidence was written is still known, and put into the run's ledger later (<c>AdministrativeRecords</c>). A repeated
/// request (the same action, principal and reason as the run's latest action) is that action again, not a new one.
/// </summary>
public sealed class AdminActionStore(GovernanceStorage storage)
{
    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.AdminActionsTable);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    /// <summary>Records the action, or gives back the run's latest one when this request repeats it.</summary>
    public async Task<AdminAction> RecordAsync(AdminAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var latest = (await ListAsync(action.RunId, cancellationToken)).LastOrDefault();
        if (latest is not null && latest.Action == action.Action && latest.PrincipalId == action.PrincipalId && latest.Reason == action.Reason)
        {
            return latest;
        }

        var recorded = action with
        {
            ActionId = $"{action.At.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}-{action.Action}-{Guid.NewGuid():N}"[..40],
        };
        await (await table.Value).AddEntityAsync(new TableEntity(action.RunId, recorded.ActionId)
        {
            ["Action"] = recorded.Action,
            ["PrincipalId"] = recorded.PrincipalId,
            ["TenantId"] = recorded.TenantId,
            ["ObjectId"] = recorded.ObjectId,
            ["PrincipalName"] = recorded.PrincipalName,
            ["PrincipalUpn"] = recorded.PrincipalUpn,
            ["Reason"] = recorded.Reason,
            ["At"] = recorded.At,
            ["Via"] = recorded.Via,
        }, cancellationToken);
        return recorded;
    }

    /// <summary>The run's actions, oldest first.</summary>
    public async Task<IReadOnlyList<AdminAction>> ListAsync(string runId, CancellationToken cancellationToken)
    {
        var found = new List<AdminAction>();
        if (!DecisionStore.IsKey(runId))
        {
            return found;
        }

        var rows = (await table.Value).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId}"), cancellationToken: cancellationToken);
        await foreach (var e in rows)
        {
            found.Add(new AdminAction(e.PartitionKey, e.RowKey, e.GetString("Action") ?? "unknown", e.GetString("PrincipalId") ?? string.Empty, e.GetString("TenantId"),
                e.GetString("ObjectId") ?? string.Empty, e.GetString("PrincipalName") ?? string.Empty, e.GetString("PrincipalUpn"), e.GetString("Reason"),
                e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue, e.GetString("Via") ?? "unknown"));
        }

        return [.. found.OrderBy(a => a.ActionId, StringComparer.Ordinal)];
    }
}

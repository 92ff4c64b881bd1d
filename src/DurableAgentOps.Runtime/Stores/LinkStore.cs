using Azure;
using Azure.Data.Tables;
using DurableAgentOps.Core.Approvals;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>The state of an issued approval link; <paramref name="Version"/> is its row's ETag as it was read.</summary>
public sealed record IssuedLink(
    string RunId, string LinkId, string Gate, string? ApproverId, string Channel, string Digest, DateTimeOffset Expires, string? UsedBy, DateTimeOffset? UsedAt,
    ETag Version = default);

/// <summary>
/// Issued approval links (a table, one partition per run). A personal link is single-use: it is consumed by a
/// conditional update (If-Match on its ETag) at the moment of decision, so two submissions cannot both use it.
/// </summary>
public sealed class LinkStore(GovernanceStorage storage)
{
    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.LinksTable);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    public async Task IssueAsync(ApprovalLinkClaims claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var client = await table.Value;
        var entity = new TableEntity(claims.RunId, claims.LinkId)
        {
            ["Gate"] = claims.Gate,
            ["StepId"] = claims.StepId,
            ["ApproverId"] = claims.ApproverId,
            ["Channel"] = claims.Channel,
            ["Digest"] = claims.ChangeDigest,
            ["Expires"] = claims.Expires,
        };
        await client.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IssuedLink?> GetAsync(string runId, string linkId, CancellationToken cancellationToken)
    {
        var client = await table.Value;
        var found = await client.GetEntityIfExistsAsync<TableEntity>(runId, linkId, cancellationToken: cancellationToken);
        return found.HasValue ? ToLink(found.Value!) : null;
    }

    /// <summary>Every link issued for <paramref name="runId"/> (one partition), as it stands.</summary>
    public async Task<IReadOnlyList<IssuedLink>> ListAsync(string runId, CancellationToken cancellationToken)
    {
        var client = await table.Value;
        var found = new List<IssuedLink>();
        await foreach (var entity in client.QueryAsync<TableEntity>(e => e.PartitionKey == runId, cancellationToken: cancellationToken))
        {
            found.Add(ToLink(entity));
        }

        return found;
    }

    /// <summary>
    /// Marks the link used by <paramref name="principalId"/>; false when it was used already. The update is conditional
    /// on the row being as <paramref name="issued"/> read it, so of two submissions that read it unused only one wins.
    /// </summary>
    public async Task<bool> ConsumeAsync(IssuedLink issued, string principalId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issued);
        if (issued.UsedBy is { Length: > 0 } || issued.Version == default)
        {
            return false;
        }

        var client = await table.Value;
        var used = new TableEntity(issued.RunId, issued.LinkId) { ["UsedBy"] = principalId, ["UsedAt"] = at };
        try
        {
            await client.UpdateEntityAsync(used, issued.Version, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false; // someone used it (or it was removed) since it was read
        }
    }

    private static IssuedLink ToLink(TableEntity e) => new(
        e.PartitionKey, e.RowKey, e.GetString("Gate") ?? string.Empty, e.GetString("ApproverId") is { Length: > 0 } a ? a : null,
        e.GetString("Channel") ?? "unknown", e.GetString("Digest") ?? string.Empty, e.GetDateTimeOffset("Expires") ?? DateTimeOffset.MinValue,
        e.GetString("UsedBy"), e.GetDateTimeOffset("UsedAt"), e.ETag);
}

using Azure;
using Azure.Data.Tables;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>
/// The starts the run service issued, one row per run id with the digest of what it scheduled
/// (<see cref="Shared.RunIssue"/>). A run's first activity reads it back: an orchestration scheduled any other way (the
/// Durable Functions extension's start route behind the system key, a client on the task hub) finds no row, or a row
/// for another input, and is refused. Only the run service writes here; only storage-key holders could as well, and the
/// threat model trusts them (docs/SECURITY.md).
/// </summary>
public sealed class IssuedRunStore(GovernanceStorage storage)
{
    private const string Row = "issued";

    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.IssuedRunsTable);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    /// <summary>Records that the run service issues this start. A run id is never reused, so a second row is refused.</summary>
    public async Task IssueAsync(string runId, string runDigest, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var client = await table.Value;
        await client.AddEntityAsync(new TableEntity(runId, Row) { ["RunDigest"] = runDigest, ["IssuedAt"] = at }, cancellationToken);
    }

    /// <summary>The digest the run service issued for this run id, or null when it issued none.</summary>
    public async Task<string?> DigestOfAsync(string runId, CancellationToken cancellationToken)
    {
        if (!DecisionStore.IsKey(runId))
        {
            return null;
        }

        var client = await table.Value;
        try
        {
            var found = await client.GetEntityIfExistsAsync<TableEntity>(runId, Row, cancellationToken: cancellationToken);
            return found.HasValue ? found.Value!.GetString("RunDigest") : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 400)
        {
            return null; // not a key the table takes: no start was issued under it
        }
    }
}

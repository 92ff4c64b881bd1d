using Azure;
using Azure.Data.Tables;
using DurableAgentOps.Runtime.Stores;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// The writer's record of each intent it acted on, one row per run and write step: begun (with the change's digest)
/// and, once every call was confirmed, used. A write that stopped part way may be tried again with the same change
/// (its calls carry the same idempotency keys); a used intent is refused, so a replay writes nothing.
/// </summary>
public sealed class WriteIntentStore(GovernanceStorage storage)
{
    private const string UsedState = "used";
    private const string BegunState = "begun";

    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.WriteIntentsTable);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    /// <summary>Marks the intent begun, or refuses it: used already, or begun for another change.</summary>
    public async Task BeginAsync(WriteIntent intent, string changeDigest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var client = await table.Value;
        var found = await client.GetEntityIfExistsAsync<TableEntity>(intent.RunId, intent.StepId, cancellationToken: cancellationToken);
        if (found.HasValue)
        {
            var row = found.Value!;
            if (row.GetString("State") == UsedState)
            {
                throw new WriteIntentRefusedException(WriteIntentRefusal.Used, $"the write of step '{intent.StepId}' of run {intent.RunId} was already made at {row.GetDateTimeOffset("UsedAt"):u}; an intent is used once");
            }

            if (row.GetString("ChangeDigest") != changeDigest)
            {
                throw new WriteIntentRefusedException(WriteIntentRefusal.NotApproved, $"the write of step '{intent.StepId}' of run {intent.RunId} was begun for another change");
            }

            return;
        }

        try
        {
            await client.AddEntityAsync(new TableEntity(intent.RunId, intent.StepId) { ["State"] = BegunState, ["ChangeDigest"] = changeDigest, ["BegunAt"] = DateTimeOffset.UtcNow }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another attempt began it at the same moment: judge it again against that row.
            await BeginAsync(intent, changeDigest, cancellationToken);
        }
    }

    /// <summary>The write is whole: from now on the intent is refused as used.</summary>
    public async Task MarkUsedAsync(WriteIntent intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var client = await table.Value;
        await client.UpdateEntityAsync(new TableEntity(intent.RunId, intent.StepId) { ["State"] = UsedState, ["UsedAt"] = DateTimeOffset.UtcNow }, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }
}

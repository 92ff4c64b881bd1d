using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// The writer's record of each write it acted on, one row per run and write step: begun (with the change's digest),
/// then used once every call was confirmed, with the intent's signature and what the write answered. A write stopped
/// part way may be tried again with the same change (its calls carry the same idempotency keys). Once used, the same
/// intent sent again is refused; a fresh intent of the run for the same change (the step tried again after the main app
/// lost the answer) gets the recorded answer and writes nothing.
/// </summary>
public sealed class WriteIntentStore(WriterStorage storage, TimeProvider time)
{
    private const string UsedState = "used";
    private const string BegunState = "begun";

    // A table property holds at most 32K characters; a larger answer is not kept (a later intent is then refused as used).
    private const int MaxKeptAnswer = 30_000;

    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Own.Tables.GetTableClient(storage.Own.WriteIntentsTable);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    /// <summary>
    /// Marks the intent begun and answers null (go on and write), or the write's recorded answer when it was already
    /// made whole by another intent for this change; refuses the intent that made it, and one for another change.
    /// </summary>
    public async Task<WriterAnswer?> BeginAsync(WriteIntent intent, string signature, string changeDigest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var client = await table.Value;
        for (var attempt = 1; ; attempt++)
        {
            var found = await client.GetEntityIfExistsAsync<TableEntity>(intent.RunId, intent.StepId, cancellationToken: cancellationToken);
            try
            {
                if (!found.HasValue)
                {
                    await client.AddEntityAsync(Begun(intent, changeDigest), cancellationToken);
                    return null;
                }

                var row = found.Value!;
                if (row.GetString("ChangeDigest") != changeDigest)
                {
                    throw new WriteIntentRefusedException(WriteIntentRefusal.NotApproved, $"the write of step '{intent.StepId}' of run {intent.RunId} was begun for another change");
                }

                if (row.GetString("State") == UsedState)
                {
                    var used = $"the write of step '{intent.StepId}' of run {intent.RunId} was already made at {row.GetDateTimeOffset("UsedAt"):u}";
                    return row.GetString("Signature") == signature || RecordedAnswer(row) is not { } answer
                        ? throw new WriteIntentRefusedException(WriteIntentRefusal.Used, $"{used}; an intent is used once")
                        : answer;
                }

                // Begun and never finished (a write stopped part way): this attempt takes it over, on the row as read, so
                // two attempts at once cannot both go on.
                await client.UpdateEntityAsync(Begun(intent, changeDigest), row.ETag, TableUpdateMode.Replace, cancellationToken);
                return null;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                if (attempt >= 2)
                {
                    throw new WriteIntentRefusedException(WriteIntentRefusal.Used, $"another attempt is writing step '{intent.StepId}' of run {intent.RunId} now");
                }
            }
        }
    }

    private TableEntity Begun(WriteIntent intent, string changeDigest) =>
        new(intent.RunId, intent.StepId) { ["State"] = BegunState, ["ChangeDigest"] = changeDigest, ["BegunAt"] = time.GetUtcNow() };

    /// <summary>The write is whole: from now on this intent is refused, and a later one for the change gets <paramref name="answer"/>.</summary>
    public async Task MarkUsedAsync(WriteIntent intent, string signature, WriterAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(answer);
        var client = await table.Value;
        var kept = JsonSerializer.Serialize(answer, EngineJson.Options);
        await client.UpdateEntityAsync(
            new TableEntity(intent.RunId, intent.StepId)
            {
                ["State"] = UsedState,
                ["UsedAt"] = time.GetUtcNow(),
                ["Signature"] = signature,
                ["Answer"] = kept.Length <= MaxKeptAnswer ? kept : null,
            },
            ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    private static WriterAnswer? RecordedAnswer(TableEntity row)
    {
        try
        {
            return row.GetString("Answer") is { } kept ? JsonSerializer.Deserialize<WriterAnswer>(kept, EngineJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

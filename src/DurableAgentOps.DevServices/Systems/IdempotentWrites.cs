using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>What a write changes (actions in one partition) and what it answers.</summary>
internal sealed record WritePlan(IReadOnlyList<TableTransactionAction> Actions, int Status, object Response);

/// <summary>
/// Idempotency-Key handling: the first request with a key commits its rows and its reply in one transaction in the
/// record's partition, so a reply exists exactly when the write does; a repeat gets the stored reply and writes
/// nothing. Keys are scoped to (operation, record): the same key on tasks and notes makes two writes.
/// </summary>
internal sealed class IdempotentWrites(FaultInjector faults, TimeProvider time)
{
    public const string KeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotency-Replayed";
    public const int MaxKeyLength = 256;

    /// <summary>The request's key, or the 400 a write without one gets.</summary>
    public static (string? Key, IResult? Problem) RequireKey(SystemCall call)
    {
        var key = call.Http.Request.Headers[KeyHeader].ToString();
        return key.Length switch
        {
            0 => (null, call.Invalid($"the {KeyHeader} header is required on writes")),
            > MaxKeyLength => (null, call.Invalid($"the {KeyHeader} header is longer than {MaxKeyLength} characters")),
            _ => (key, null),
        };
    }

    public async Task<IResult> CommitAsync(SystemCall call, TableClient table, string partition, string key, JsonElement body, Func<WritePlan> plan)
    {
        var row = "idem-" + Hash(call.Operation.QualifiedName + "\n" + key);
        var requestHash = Hash(JsonSerializer.Serialize(body));
        if (await ReplayAsync(call, table, partition, row, requestHash) is { } replay)
        {
            return replay;
        }

        var write = plan();
        var reply = JsonSerializer.Serialize(write.Response, DevJson.Options);
        var stored = new TableEntity(partition, row)
        {
            ["Operation"] = call.Operation.QualifiedName,
            ["RequestHash"] = requestHash,
            ["Status"] = write.Status,
            ["Reply"] = reply,
            ["Subject"] = call.Caller.Subject,
            ["CommittedAt"] = time.GetUtcNow(),
        };
        try
        {
            await table.SubmitTransactionAsync([.. write.Actions, new TableTransactionAction(TableTransactionActionType.Add, stored)], call.Aborted);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
        {
            // A concurrent request with the same key won the race: answer as it did. Otherwise the record changed.
            return await ReplayAsync(call, table, partition, row, requestHash)
                ?? call.Refuse(StatusCodes.Status409Conflict, "conflict", "the record changed while writing; retry");
        }

        var request = call.Http.Request;
        if (faults.TryTake(FaultInjector.DropAfterCommit, request.Method, request.Path.Value ?? string.Empty) is not null)
        {
            call.Drop($"committed; connection dropped before the response (fault injected: {FaultInjector.DropAfterCommit})");
            return Results.Empty;
        }

        return Results.Text(reply, "application/json", Encoding.UTF8, write.Status);
    }

    private static async Task<IResult?> ReplayAsync(SystemCall call, TableClient table, string partition, string row, string requestHash)
    {
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: call.Aborted);
        if (!existing.HasValue)
        {
            return null;
        }

        var stored = existing.Value!;
        if (stored.GetString("RequestHash") != requestHash)
        {
            // draft-ietf-httpapi-idempotency-key-header: a key reused with a different payload is refused.
            return call.Refuse(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                $"the {KeyHeader} was first used with a different request body");
        }

        call.Http.Response.Headers[ReplayedHeader] = "true";
        call.Note($"replayed the reply stored for this {KeyHeader}");
        return Results.Text(stored.GetString("Reply"), "application/json", Encoding.UTF8, stored.GetInt32("Status"));
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>
/// The admission table of a task hub: a fixed number of slots (one row each) that runs hold while they advance to their
/// first gate, and a queue of the runs waiting for one (keyed by when each first asked). Every change is conditional
/// (ETag), so two hosts never hand one slot to two runs. A run that has to wait writes its queue row before it looks for
/// a free slot again, and a run giving one back frees it before it reads the queue: whichever comes second sees the other, so no
/// wake-up is lost between them. Slots and queue rows expire, so a run that died holding or waiting does not block others.
/// </summary>
public sealed class AdmissionStore(GovernanceStorage storage, TimeProvider time)
{
    private const string SlotsPartition = "slots";
    private const string WaitingPartition = "waiting";

    // Runs woken per release at most: enough to fill the slots a crash left free, few enough to keep the answer small.
    private const int MaxWoken = 8;

    // Claims that lost a slot to another run at the same moment try again this many times before waiting.
    private const int MaxRaces = 4;

    /// <summary>A waiting run asks again at least this often (the orchestrator's longest wait), so older queue rows are dead.</summary>
    public static readonly TimeSpan WaiterStaleAfter = TimeSpan.FromHours(1);

    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.AdmissionTable);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    /// <summary>
    /// Takes a free slot for the run (true), or keeps it in the queue (false). A slot is free when nobody holds it or its
    /// holder's lease ran out; a run takes one only when it is among the first waiting runs, as many as slots are free,
    /// read by the same query a release reads to choose whom to wake, so the two agree on who is first whatever order
    /// storage answers in (Azure Tables answers in row-key order: oldest first). Idempotent: a run that already holds a
    /// slot keeps it. Admitted where more slots were free, it names the runs waiting behind it to wake: releases at the
    /// same moment each see only their own slot free and wake the same first run, so the runs it admits wake the rest.
    /// </summary>
    public async Task<AdmissionGrant> ClaimAsync(string runId, DateTime since, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var client = await table.Value;
        var waiterKey = WaiterKey(runId, since);

        // The common case, a free slot and nobody waiting: take it without queueing first (three requests, not five). A
        // run that asked before has its queue row, so it is not "nobody waiting" and takes the queued way below.
        var now = await ReadSlotsAsync(client, limit, cancellationToken);
        if (now.Any(s => s.Holder == runId))
        {
            await DeleteAsync(client, WaitingPartition, waiterKey, cancellationToken); // an earlier attempt's, if it got this far
            return AdmissionGrant.Admit([]);
        }

        var open = now.Where(s => IsFree(s, lease)).ToList();
        if (open.Count > 0 && (await WaitersAsync(client, 1, cancellationToken)).Count == 0
            && await TryTakeAsync(client, Spread(open, runId), runId, cancellationToken))
        {
            return AdmissionGrant.Admit([]);
        }

        await client.UpsertEntityAsync(new TableEntity(WaitingPartition, waiterKey) { ["RunId"] = runId }, TableUpdateMode.Replace, cancellationToken);
        for (var race = 0; race < MaxRaces; race++)
        {
            var slots = await ReadSlotsAsync(client, limit, cancellationToken);
            List<string> behind = [];
            if (!slots.Any(s => s.Holder == runId))
            {
                var free = slots.Where(s => IsFree(s, lease)).ToList();
                var first = free.Count == 0 ? [] : await WaitersAsync(client, free.Count, cancellationToken);
                if (!first.Contains(runId))
                {
                    return AdmissionGrant.Refused;
                }

                var slot = Spread(free, runId);
                if (!await TryTakeAsync(client, slot, runId, cancellationToken))
                {
                    continue;
                }

                behind = [.. first.Where(id => id != runId).Take(Math.Min(free.Count - 1, MaxWoken))];
            }

            await DeleteAsync(client, WaitingPartition, waiterKey, cancellationToken);
            return AdmissionGrant.Admit(behind);
        }

        return AdmissionGrant.Refused;
    }

    /// <summary>
    /// Gives back the run's slot, if it holds one, and returns the runs to wake: the oldest waiting, as many as slots
    /// are free (at most <see cref="MaxWoken"/>). Idempotent.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReleaseAsync(string runId, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var client = await table.Value;
        for (var race = 0; ; race++)
        {
            var slots = await ReadSlotsAsync(client, limit, cancellationToken);
            var held = slots.Where(s => s.Holder == runId).ToList();
            try
            {
                foreach (var slot in held)
                {
                    var row = new TableEntity(SlotsPartition, slot.Key) { ["Holder"] = string.Empty, ["Since"] = time.GetUtcNow() };
                    await client.UpdateEntityAsync(row, slot.ETag!.Value, TableUpdateMode.Replace, cancellationToken);
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && race < MaxRaces)
            {
                continue; // the row changed since it was read (another claim or release): read it again
            }

            var free = slots.Count(s => s.Holder == runId || IsFree(s, lease));
            if (free == 0)
            {
                return [];
            }

            var waiting = await WaitersAsync(client, Math.Min(free, MaxWoken), cancellationToken);
            return [.. waiting.Where(id => id != runId)];
        }
    }

    /// <summary>
    /// Takes the run's queue row (written by a claim at <paramref name="since"/>) out of the queue: the run asked, was
    /// not admitted, and went on without a place (the table failed, or it gave up asking). Idempotent.
    /// </summary>
    public async Task WithdrawAsync(string runId, DateTime since, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        await DeleteAsync(await table.Value, WaitingPartition, WaiterKey(runId, since), cancellationToken);
    }

    /// <summary>The slot rows 0..limit-1 as they are now; a slot never written is a free row with no ETag.</summary>
    private static async Task<List<Slot>> ReadSlotsAsync(TableClient client, int limit, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in client.QueryAsync<TableEntity>(e => e.PartitionKey == SlotsPartition, cancellationToken: cancellationToken))
        {
            rows[row.RowKey] = row;
        }

        return [.. Enumerable.Range(0, limit).Select(i => SlotKey(i)).Select(key => rows.TryGetValue(key, out var row)
            ? new Slot(key, row.GetString("Holder") ?? string.Empty, row.GetDateTimeOffset("Since") ?? DateTimeOffset.MinValue, row.ETag)
            : new Slot(key, string.Empty, DateTimeOffset.MinValue, null))];
    }

    private bool IsFree(Slot slot, TimeSpan lease) => slot.Holder.Length == 0 || slot.Since + lease < time.GetUtcNow();

    private async Task<bool> TryTakeAsync(TableClient client, Slot slot, string runId, CancellationToken cancellationToken)
    {
        var row = new TableEntity(SlotsPartition, slot.Key) { ["Holder"] = runId, ["Since"] = time.GetUtcNow() };
        try
        {
            if (slot.ETag is { } etag)
            {
                await client.UpdateEntityAsync(row, etag, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await client.AddEntityAsync(row, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false; // another run took it first
        }
    }

    /// <summary>The first <paramref name="count"/> live queue rows, in the order storage answers: their run ids.</summary>
    private async Task<List<string>> WaitersAsync(TableClient client, int count, CancellationToken cancellationToken)
    {
        var alive = time.GetUtcNow() - WaiterStaleAfter;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {WaitingPartition} and Timestamp ge {alive}");
        var found = new List<string>(count);
        await foreach (var row in client.QueryAsync<TableEntity>(filter, maxPerPage: count, select: ["RunId"], cancellationToken: cancellationToken))
        {
            found.Add(row.GetString("RunId") ?? string.Empty);
            if (found.Count >= count)
            {
                break;
            }
        }

        return found;
    }

    private static async Task DeleteAsync(TableClient client, string partition, string key, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteEntityAsync(partition, key, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // already gone
        }
    }

    private static string SlotKey(int index) => index.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>When the run first asked, then its id digested (run ids may hold characters a row key may not).</summary>
    private static string WaiterKey(string runId, DateTime since) =>
        $"{since.ToUniversalTime().Ticks:D19}~{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId)))[..32]}";

    /// <summary>One of the free slots, chosen by the run's id: runs claiming at the same moment collide on fewer rows.</summary>
    private static Slot Spread(List<Slot> free, string runId) => free[(int)(StableHash(runId) % (uint)free.Count)];

    private static uint StableHash(string text) => BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed record Slot(string Key, string Holder, DateTimeOffset Since, ETag? ETag);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>One gate opening as one approver entry's partition holds it: the run, the step and gate, the deadline.</summary>
public sealed record WaitingGateRow(string Partition, string Key, string RunId, string StepId, string Gate, DateTime Deadline);

/// <summary>A page of rows in deadline order, and the key to continue after (null when no row follows).</summary>
public sealed record WaitingGatePage(IReadOnlyList<WaitingGateRow> Rows, string? After);

/// <summary>
/// The waiting-gates index (a table): for each gate a run waits at, one row per approver entry the gate declares, in
/// that entry's partition (a person's directory object id, or a group's), keyed by deadline, so a person's list is a
/// few partition queries that read only the rows they might answer. Rows hold the run, step, gate and deadline — no
/// change, no name, no address — and are never trusted: every listed row is checked against the run's status and the
/// gate's approvers before it is shown. A run's rows are found through its own partition (pointers), so they can be
/// removed when its gate closes, an escalation moves it on, or the run ends.
/// </summary>
public sealed class WaitingGateStore(GovernanceStorage storage)
{
    private const string GroupsPartition = "groups";

    private readonly ConcurrentDictionary<string, bool> registered = new(StringComparer.Ordinal);
    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.WaitingGatesTable);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    /// <summary>The partition of a person named by directory object id.</summary>
    public static string PersonPartition(string objectId) => "person~" + Hash(objectId.ToLowerInvariant());

    /// <summary>The partition of a person named by user principal name, when the directory could not say their id.</summary>
    public static string NamePartition(string userPrincipalName) => "upn~" + Hash(userPrincipalName.ToLowerInvariant());

    /// <summary>The partition of a group, by its object id.</summary>
    public static string GroupPartition(string groupObjectId) => "group~" + Hash(groupObjectId.ToLowerInvariant());

    /// <summary>
    /// Records that the run waits at this gate (of this step, until this deadline) for the approvers of these partitions
    /// (<paramref name="groupIds"/>: the groups among them, by object id, so lists know which group partitions exist).
    /// Rows of any other gate opening of the run are removed. Idempotent: an activity may run again.
    /// </summary>
    public async Task OpenAsync(
        string runId, string stepId, string gate, DateTime deadline, IReadOnlyCollection<string> partitions, IReadOnlyCollection<string> groupIds,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(groupIds);
        var client = await table.Value;
        var key = RowKey(runId, stepId, gate, deadline);
        await RemoveAsync(client, runId, keep: key, cancellationToken);

        foreach (var group in groupIds.Where(g => !registered.ContainsKey(g)))
        {
            await client.UpsertEntityAsync(new TableEntity(GroupsPartition, Hash(group)) { ["GroupId"] = group }, TableUpdateMode.Replace, cancellationToken);
            registered[group] = true;
        }

        // Pointers first: a row is only ever written after the pointer that lets the run's end remove it.
        var pointers = partitions.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
            new TableEntity(RunPartition(runId), $"{p}|{key}") { ["Partition"] = p, ["Key"] = key })).ToList();
        foreach (var chunk in pointers.Chunk(100))
        {
            await client.SubmitTransactionAsync(chunk, cancellationToken);
        }

        foreach (var partition in partitions)
        {
            var row = new TableEntity(partition, key) { ["RunId"] = runId, ["StepId"] = stepId, ["Gate"] = gate };
            await client.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        }
    }

    /// <summary>Removes every row of the run (its gate closed or it ended).</summary>
    public async Task CloseAsync(string runId, CancellationToken cancellationToken) =>
        await RemoveAsync(await table.Value, runId, keep: null, cancellationToken);

    /// <summary>Removes one listed row that no longer says the truth (its run moved on or ended).</summary>
    public async Task DropAsync(WaitingGateRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var client = await table.Value;
        await DeleteAsync(client, row.Partition, row.Key, cancellationToken);
        await DeleteAsync(client, RunPartition(row.RunId), $"{row.Partition}|{row.Key}", cancellationToken);
    }

    /// <summary>The object ids of every group some gate has named as approvers (few: the groups the workflows declare).</summary>
    public async Task<IReadOnlyList<string>> GroupsAsync(CancellationToken cancellationToken)
    {
        var groups = new List<string>();
        await foreach (var row in (await table.Value).QueryAsync<TableEntity>(e => e.PartitionKey == GroupsPartition, select: ["GroupId"], cancellationToken: cancellationToken))
        {
            if (row.GetString("GroupId") is { Length: > 0 } id)
            {
                groups.Add(id);
            }
        }

        return groups;
    }

    /// <summary>
    /// The first <paramref name="count"/> gate openings after <paramref name="after"/> (a row key, or null for the start)
    /// in the union of the partitions, in deadline order, each opening once however many partitions hold it.
    /// </summary>
    public async Task<WaitingGatePage> ListAsync(IReadOnlyCollection<string> partitions, string? after, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (after is not null && !IsRowKey(after))
        {
            throw new ArgumentException("not a row key of this index", nameof(after));
        }

        var client = await table.Value;
        var from = after ?? string.Empty;
        var reads = partitions.Distinct(StringComparer.Ordinal).Select(async partition =>
        {
            var rows = new List<WaitingGateRow>();
            var query = client.QueryAsync<TableEntity>(e => e.PartitionKey == partition && e.RowKey.CompareTo(from) > 0, maxPerPage: count + 1,
                cancellationToken: cancellationToken);
            await foreach (var e in query)
            {
                rows.Add(new WaitingGateRow(partition, e.RowKey, e.GetString("RunId") ?? string.Empty, e.GetString("StepId") ?? string.Empty,
                    e.GetString("Gate") ?? string.Empty, DeadlineOf(e.RowKey)));
                if (rows.Count > count)
                {
                    break;
                }
            }

            return rows;
        });
        var merged = (await Task.WhenAll(reads)).SelectMany(r => r).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        var keys = merged.Select(r => r.Key).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count <= count)
        {
            return new WaitingGatePage(merged, null);
        }

        var last = keys[count - 1];
        return new WaitingGatePage([.. merged.Where(r => string.CompareOrdinal(r.Key, last) <= 0)], last);
    }

    /// <summary>True for a key this index makes: deadline ticks (19 digits), '~', 32 hex digits.</summary>
    public static bool IsRowKey(string text) =>
        text is { Length: 52 } && text[19] == '~' && text[..19].All(char.IsAsciiDigit) && text[20..].All(char.IsAsciiHexDigitLower);

    private static string RowKey(string runId, string stepId, string gate, DateTime deadline) =>
        $"{Utc(deadline).Ticks.ToString("D19", CultureInfo.InvariantCulture)}~{Hash($"{runId}\n{stepId}\n{gate}")}";

    private static DateTime DeadlineOf(string key) =>
        IsRowKey(key) && long.TryParse(key[..19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTime.MaxValue.Ticks
            ? new DateTime(ticks, DateTimeKind.Utc)
            : DateTime.MinValue;

    private static string RunPartition(string runId) => "run~" + Hash(runId);

    private static DateTime Utc(DateTime at) => at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    private static async Task RemoveAsync(TableClient client, string runId, string? keep, CancellationToken cancellationToken)
    {
        var pointers = new List<(string Partition, string Key, string Pointer)>();
        await foreach (var p in client.QueryAsync<TableEntity>(e => e.PartitionKey == RunPartition(runId), cancellationToken: cancellationToken))
        {
            pointers.Add((p.GetString("Partition") ?? string.Empty, p.GetString("Key") ?? string.Empty, p.RowKey));
        }

        foreach (var (partition, key, pointer) in pointers.Where(p => p.Key != keep))
        {
            await DeleteAsync(client, partition, key, cancellationToken);
            await DeleteAsync(client, RunPartition(runId), pointer, cancellationToken);
        }
    }

    private static async Task DeleteAsync(TableClient client, string partition, string key, CancellationToken cancellationToken)
    {
        if (partition.Length == 0 || key.Length == 0)
        {
            return;
        }

        try
        {
            await client.DeleteEntityAsync(partition, key, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Gone already (another lister or the run's end removed it).
        }
    }
}

using DurableAgentOps.Runtime.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using DurableAgentOps.Core.Canonical;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>A run's evidence as stored: records in storage order, its signed head (kept apart), and its index row.</summary>
public sealed record StoredRun(IReadOnlyList<StoredRecord> Records, RunHead? Head, string? HeadSignature, RunSummary? Summary);

/// <summary>The log as stored: every leaf, and the latest signed tree head.</summary>
public sealed record StoredLog(IReadOnlyList<LogLeaf> Leaves, TreeHead? Head, string? HeadSignature);

/// <summary>
/// The evidence ledger in Azure Tables: records (one partition per run, row = sequence number, so an append is
/// idempotent: a retried append finds its own record and moves on, and a different record at that number is refused),
/// run heads in a table of their own, and the log-wide tree (leaves and signed tree heads) in a third. Large payloads go
/// to blobs, referenced by digest.
/// </summary>
public sealed partial class EvidenceLedger(GovernanceStorage storage, EvidenceKeys keys, EvidenceAnchors anchors, TimeProvider time, ILogger<EvidenceLedger> logger)
{
    /// <summary>Entries whose data is larger than this (canonical JSON characters) keep it in a payload blob.</summary>
    public const int MaxInlineData = 24_000;

    private const string HeadsPartition = "heads";
    private const string LogPartition = "log";
    private const string TreeRow = "tree";
    private const string MetaPartition = "meta"; // the heads table's own bookkeeping; no run reader looks there
    private const string TimeIndexRow = "time-index-backfilled";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lazy<Task<TableClient>> records = new(() => TableAsync(storage, storage.EvidenceTable));
    private readonly Lazy<Task<TableClient>> heads = new(() => TableAsync(storage, storage.EvidenceHeadsTable));
    private readonly Lazy<Task<TableClient>> log = new(() => TableAsync(storage, storage.EvidenceLogTable));
    private readonly Lazy<Task<TableClient>> superseded = new(() => TableAsync(storage, storage.EvidenceSupersededTable));
    private readonly Lazy<Task<BlobContainerClient>> payloads = new(async () =>
    {
        var client = storage.Blobs.GetBlobContainerClient(storage.EvidencePayloadsContainer);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    /// <summary>
    /// Appends entries as records <paramref name="firstSeq"/>, … after the run's stored tip, signs the new head, and,
    /// when <paramref name="toLog"/>, adds the head to the log-wide tree.
    /// </summary>
    public async Task<RunHead> AppendAsync(
        string runId, long firstSeq, IReadOnlyList<EvidenceEntry> entries, bool final, bool toLog, DateTimeOffset at, RunSummary summary,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);

        // Counted here, where every append ends up, whichever activity hands the batch over.
        using var span = RuntimeTelemetry.Source.StartActivity(RuntimeTelemetry.EvidenceSpan);
        span?.SetTag(TelemetryTags.RunId, runId);
        span?.SetTag(TelemetryTags.Records, entries.Count);
        span?.SetTag(TelemetryTags.Final, final);
        span?.SetTag(TelemetryTags.ToLog, toLog);
        var outcome = "failed";
        try
        {
            var head = await AppendCoreAsync(runId, firstSeq, entries, final, toLog, at, summary, cancellationToken);
            outcome = "appended";
            RuntimeTelemetry.EvidenceRecords.Add(entries.Count);
            return head;
        }
        catch (Exception ex)
        {
            RuntimeTelemetry.Fail(span, ex);
            throw;
        }
        finally
        {
            RuntimeTelemetry.EvidenceAppends.Add(1, new(TelemetryTags.Final, final), new(TelemetryTags.EvidenceOutcome, outcome));
        }
    }

    private async Task<RunHead> AppendCoreAsync(
        string runId, long firstSeq, IReadOnlyList<EvidenceEntry> entries, bool final, bool toLog, DateTimeOffset at, RunSummary summary,
        CancellationToken cancellationToken)
    {
        var table = await records.Value;
        var tip = ChainTip.Start;
        if (firstSeq > 0)
        {
            var previous = await table.GetEntityIfExistsAsync<TableEntity>(runId, Row(firstSeq - 1), cancellationToken: cancellationToken);
            tip = previous.HasValue
                ? new ChainTip(firstSeq - 1, Text(previous.Value!, "Hash") ?? string.Empty)
                : throw new InvalidOperationException($"evidence of run {runId} has no record {firstSeq - 1} to append {firstSeq} after");
        }

        var stored = new List<EvidenceEntry>();
        foreach (var entry in entries)
        {
            stored.Add(entry with { Data = await ExternalizeAsync(runId, entry.Data, cancellationToken) });
        }

        var chain = EvidenceChain.Append(runId, tip, stored);
        var entities = chain.Select(record => new TableEntity(runId, Row(record.Seq))
        {
            ["Kind"] = record.Kind, ["Json"] = record.ToCanonicalJson(), ["Hash"] = record.Hash, ["Episode"] = at.UtcTicks,
        }).ToList();

        // The usual case, a batch none of whose records is stored yet: one request for the whole batch (one partition,
        // all or nothing). Any conflict (a retried append) falls back to record by record, below, which sorts it out.
        var allAdded = await AddAllAsync(table, entities, cancellationToken);
        for (var i = 0; !allAdded && i < chain.Count; i++)
        {
            var (record, entity) = (chain[i], entities[i]);
            try
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // A retried append (activities run at least once) finds its own record and moves on.
                var existing = (await table.GetEntityAsync<TableEntity>(runId, Row(record.Seq), cancellationToken: cancellationToken)).Value;
                if (Text(existing, "Hash") == record.Hash)
                {
                    continue;
                }

                // A different record: an orchestration episode that was never committed (its host died before its
                // history was saved) can still have had its append run. The committed episode replaces it and is later
                // (its orchestration time, `at`, is newer); an older append is that lost episode arriving late.
                var existingEpisode = existing.GetInt64("Episode");
                if (existingEpisode is { } newer && at.UtcTicks < newer)
                {
                    logger.EvidenceStaleAppend(runId, record.Seq);
                    return await ReadHeadAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"run {runId} has no signed head");
                }

                if (existingEpisode is not { } older || at.UtcTicks == older)
                {
                    throw new InvalidOperationException($"evidence of run {runId} already holds a different record {record.Seq}; not overwriting it");
                }

                await SupersedeFromAsync(table, runId, record.Seq, cancellationToken);
                await table.AddEntityAsync(entity, cancellationToken);
            }
        }

        var last = chain.Count > 0 ? chain[^1] : null;
        // Only an append that found its records stored (a retry) reads the head first: the usual one adds them.
        var signed = allAdded && last is not null ? null : await ReadHeadAsync(runId, cancellationToken);
        if (last is not null && signed is { } later && later.LastSeq > last.Seq)
        {
            // A retried append whose records are all stored, after more were added behind them (an administrator's
            // records after the run's end): the head already covers them; signing this older one would move it back.
            return later;
        }

        var head = last is null
            ? signed ?? throw new InvalidOperationException($"run {runId} has no evidence to sign")
            : RunHead.For(last, final, at);
        await WriteHeadAsync(runId, head, summary, cancellationToken);
        if (toLog)
        {
            await AppendLeafAsync(runId, head, cancellationToken);
        }

        return head;
    }

    /// <summary>Signs the head and stores it with the run's index row and its row in the time index.</summary>
    private async Task WriteHeadAsync(string runId, RunHead head, RunSummary summary, CancellationToken cancellationToken)
    {
        var signer = await keys.SignerAsync(cancellationToken);
        var signature = await signer.SignAsync(head, cancellationToken);
        var summaryJson = JsonSerializer.Serialize(summary, Json);

        // The search index row, signed with the head it is written with: a row rewritten in storage is then told apart.
        var seal = new IndexSeal(runId, head.Hash, JsonNode.Parse(summaryJson)!.AsObject());
        var sealSignature = await signer.SignAsync(seal, cancellationToken);
        var headRow = new TableEntity(HeadsPartition, runId)
        {
            ["Head"] = head.ToCanonicalJson(),
            ["Signature"] = signature,
            ["KeyId"] = signer.KeyId,
            ["Summary"] = summaryJson,
            ["Index"] = seal.ToCanonicalJson(),
            ["IndexSignature"] = sealSignature,
            ["Workflow"] = summary.Workflow,
            ["StartedAt"] = summary.StartedAt,
        };
        // The head and its row in the time index (newest first, for the runs search) go in one request.
        var timeRow = new TableEntity(HeadsPartition, TimeRow(summary.StartedAt, runId))
        {
            ["RunId"] = runId,
            ["Summary"] = summaryJson,
            ["Index"] = headRow["Index"],
            ["IndexSignature"] = sealSignature,
        };
        await (await heads.Value).SubmitTransactionAsync(
            [new(TableTransactionActionType.UpsertReplace, headRow), new(TableTransactionActionType.UpsertReplace, timeRow)], cancellationToken);
    }

    /// <summary>Largest share of a table transaction the records take (the service allows 100 entities and 4 MiB).</summary>
    private const int MaxBatchRecords = 100;
    private const int MaxBatchChars = 1_000_000;

    /// <summary>Adds the records in as few transactions as fit; false when any of them was already there (nothing of that transaction is written).</summary>
    private static async Task<bool> AddAllAsync(TableClient table, IReadOnlyList<TableEntity> entities, CancellationToken cancellationToken)
    {
        var batch = new List<TableTransactionAction>();
        var chars = 0;
        foreach (var entity in entities)
        {
            var size = ((string)entity["Json"]).Length;
            if (batch.Count > 0 && (batch.Count == MaxBatchRecords || chars + size > MaxBatchChars))
            {
                if (!await SubmitAsync(table, batch, cancellationToken))
                {
                    return false;
                }

                (batch, chars) = ([], 0);
            }

            batch.Add(new TableTransactionAction(TableTransactionActionType.Add, entity));
            chars += size;
        }

        return batch.Count == 0 || await SubmitAsync(table, batch, cancellationToken);
    }

    private static async Task<bool> SubmitAsync(TableClient table, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(batch, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Whether the run's ledger holds its first record: a run went on from this start before.</summary>
    public async Task<bool> HasStartAsync(string runId, CancellationToken cancellationToken) =>
        (await (await records.Value).GetEntityIfExistsAsync<TableEntity>(runId, Row(0), select: ["Hash"], cancellationToken: cancellationToken)).HasValue;

    public async Task<StoredRun?> ReadRunAsync(string runId, CancellationToken cancellationToken)
    {
        var rows = new List<StoredRecord>();
        await foreach (var row in (await records.Value).QueryAsync<TableEntity>(e => e.PartitionKey == runId, cancellationToken: cancellationToken))
        {
            rows.Add(StoredRecord.Parse(Text(row, "Json"), Text(row, "Hash")));
        }

        var headRow = await (await heads.Value).GetEntityIfExistsAsync<TableEntity>(HeadsPartition, runId, cancellationToken: cancellationToken);
        if (rows.Count == 0 && !headRow.HasValue)
        {
            return null;
        }

        RunHead? head = null;
        RunSummary? summary = null;
        if (headRow.HasValue)
        {
            RunHead.TryParse(Text(headRow.Value!, "Head"), out head, out _);
            summary = TryRead<RunSummary>(Text(headRow.Value!, "Summary"));
        }

        return new StoredRun(rows, head, headRow.HasValue ? Text(headRow.Value!, "Signature") : null, summary);
    }

    /// <summary>Every run's index row, newest first (the runs query filters them).</summary>
    public async Task<IReadOnlyList<(string RunId, RunSummary Summary)>> SummariesAsync(CancellationToken cancellationToken)
    {
        var found = new List<(string, RunSummary)>();
        var query = (await heads.Value).QueryAsync<TableEntity>(
            e => e.PartitionKey == HeadsPartition && (e.RowKey.CompareTo(TimePrefix) < 0 || e.RowKey.CompareTo(TimeEnd) >= 0), cancellationToken: cancellationToken);
        await foreach (var row in query)
        {
            // An index row that no longer reads still lists its run (verify --all must see every run), marked as such.
            found.Add((row.RowKey, TryRead<RunSummary>(Text(row, "Summary"))
                ?? new RunSummary("(index unreadable)", string.Empty, new PrincipalRef(string.Empty, "(index unreadable)", null), "unknown",
                    DateTimeOffset.MinValue, null, [], [], [], [], string.Empty)));
        }

        return [.. found.OrderByDescending(s => s.Item2.StartedAt)];
    }

    /// <summary>
    /// One page of the runs search, newest first: the time index is read from <paramref name="after"/> (a row key of a
    /// previous page, or null) within the query's since/until, until <paramref name="top"/> runs match or
    /// <paramref name="scanLimit"/> rows were read. <c>After</c> is where the next page starts, null when none is left.
    /// </summary>
    public async Task<(IReadOnlyList<IndexedRun> Runs, string? After, int Scanned)> SearchAsync(
        RunQuery query, string? after, int top, int scanLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var from = query.Until is { } until ? TimePrefix + (Inverted(until) + 1).ToString("D19", CultureInfo.InvariantCulture) : TimePrefix;
        var to = query.Since is { } since ? TimePrefix + (Inverted(since) + 1).ToString("D19", CultureInfo.InvariantCulture) : TimeEnd;
        var filter = after is not null && string.CompareOrdinal(after, from) >= 0
            ? TableClient.CreateQueryFilter($"PartitionKey eq {HeadsPartition} and RowKey gt {after} and RowKey lt {to}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {HeadsPartition} and RowKey ge {from} and RowKey lt {to}");
        var found = new List<IndexedRun>();
        var scanned = 0;
        string? last = null;
        var rows = (await heads.Value).QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(1000, scanLimit), select: ["RowKey", "RunId", "Summary", "Index", "IndexSignature"],
            cancellationToken: cancellationToken);
        await foreach (var row in rows)
        {
            scanned++;
            last = row.RowKey;
            if (Text(row, "RunId") is { } runId && TryRead<RunSummary>(Text(row, "Summary")) is { } summary && query.Matches(summary))
            {
                found.Add(new IndexedRun(runId, summary, Text(row, "Index"), Text(row, "IndexSignature")));
            }

            if (found.Count == top || scanned == scanLimit)
            {
                return (found, last, scanned);
            }
        }

        return (found, null, scanned);
    }

    /// <summary>
    /// Files every run head that has no row in the time index under its start time, once per ledger: heads written
    /// before the index existed have none, and the runs search and <c>verify --all</c> read the index. Inserts only (a
    /// run appending meanwhile writes its own row, which wins); a marker row in a partition of its own says it was done.
    /// Returns how many rows it added.
    /// </summary>
    public async Task<int> BackfillTimeIndexAsync(CancellationToken cancellationToken)
    {
        var table = await heads.Value;
        if ((await table.GetEntityIfExistsAsync<TableEntity>(MetaPartition, TimeIndexRow, cancellationToken: cancellationToken)).HasValue)
        {
            return 0;
        }

        var indexed = new HashSet<string>(StringComparer.Ordinal);
        var timeRows = TableClient.CreateQueryFilter($"PartitionKey eq {HeadsPartition} and RowKey ge {TimePrefix} and RowKey lt {TimeEnd}");
        await foreach (var row in table.QueryAsync<TableEntity>(timeRows, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            indexed.Add(row.RowKey);
        }

        var added = 0;
        foreach (var (runId, summary) in await SummariesAsync(cancellationToken))
        {
            // An index row that no longer reads has no start time to be filed under; the log still names its run.
            if (summary.StartedAt == DateTimeOffset.MinValue || !indexed.Add(TimeRow(summary.StartedAt, runId)))
            {
                continue;
            }

            try
            {
                await table.AddEntityAsync(new TableEntity(HeadsPartition, TimeRow(summary.StartedAt, runId))
                {
                    ["RunId"] = runId,
                    ["Summary"] = JsonSerializer.Serialize(summary, Json),
                }, cancellationToken);
                added++;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // The run appended meanwhile and filed itself.
            }
        }

        await table.UpsertEntityAsync(new TableEntity(MetaPartition, TimeIndexRow) { ["Completed"] = time.GetUtcNow(), ["Added"] = added },
            TableUpdateMode.Replace, cancellationToken);
        return added;
    }

    /// <summary>True for a row key of the time index (what a search page token carries).</summary>
    public static bool IsTimeRow(string text) =>
        text.Length is > 22 and <= 22 + 200 && text.StartsWith(TimePrefix, StringComparison.Ordinal) && text[2..21].All(char.IsAsciiDigit) && text[21] == '~'
        && text[22..].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'); // then a run id: up to 200 of these

    public async Task<StoredLog> ReadLogAsync(CancellationToken cancellationToken)
    {
        var table = await log.Value;
        var leaves = new List<LogLeaf>();
        TreeHead? tree = null;
        string? signature = null;
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == LogPartition, cancellationToken: cancellationToken))
        {
            if (row.RowKey == TreeRow)
            {
                TreeHead.TryParse(Text(row, "Head"), out tree, out _);
                signature = Text(row, "Signature");
            }
            else if (row.RowKey.StartsWith("leaf-", StringComparison.Ordinal)
                && long.TryParse(row.RowKey["leaf-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && LogLeaf.TryParse(index, Text(row, "Leaf"), out var leaf, out _))
            {
                leaves.Add(leaf);
            }
        }

        return new StoredLog([.. leaves.OrderBy(l => l.Index)], tree, signature);
    }

    public async Task<byte[]?> PayloadAsync(string runId, string digest, CancellationToken cancellationToken)
    {
        try
        {
            return (await (await payloads.Value).GetBlobClient(PayloadName(runId, digest)).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Deletes a run's records, head and payloads (its retention has passed) and puts a signed tombstone in the log, so
    /// verification reports the run as purged by retention, not as missing.
    /// </summary>
    public async Task PurgeAsync(string runId, string retention, CancellationToken cancellationToken)
    {
        var stored = await ReadRunAsync(runId, cancellationToken) ?? throw new InvalidOperationException($"run {runId} has no evidence");
        if (stored.Head is not { } head)
        {
            throw new InvalidOperationException($"run {runId} has no signed head to purge");
        }

        await AppendLeafAsync(runId, head, cancellationToken, tombstone: retention);
        var table = await records.Value;
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == runId, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(runId, row.RowKey, cancellationToken: cancellationToken);
        }

        var blobs = await payloads.Value;
        await foreach (var blob in blobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, runId + "/", cancellationToken))
        {
            await blobs.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
        }

        await (await heads.Value).DeleteEntityAsync(HeadsPartition, runId, cancellationToken: cancellationToken);
        // Its row in the time index: found by its start time, or, when the head's summary no longer reads, by its run id.
        var index = await heads.Value;
        var timeRows = new List<string>();
        if (stored.Summary is { } summary)
        {
            timeRows.Add(TimeRow(summary.StartedAt, runId));
        }
        else
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {HeadsPartition} and RowKey ge {TimePrefix} and RowKey lt {TimeEnd} and RunId eq {runId}");
            await foreach (var row in index.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                timeRows.Add(row.RowKey);
            }
        }

        foreach (var timeRow in timeRows)
        {
            try
            {
                await index.DeleteEntityAsync(HeadsPartition, timeRow, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // A head written before the time index had no row there.
            }
        }
    }

    /// <summary>
    /// Adds a leaf for the run's head (or a tombstone) at the end of the log and signs the new tree head, in O(log n):
    /// the tree row keeps the tree's right edge (<see cref="MerkleFrontier"/>) beside its signed head. Appenders race for
    /// the next index with a conditional insert; a leaf inserted but not yet signed is folded in by whoever comes next.
    /// The leaves are the truth, the tree row their signed summary.
    /// </summary>
    private async Task AppendLeafAsync(string runId, RunHead head, CancellationToken cancellationToken, string? tombstone = null)
    {
        var table = await log.Value;
        var pointer = await table.GetEntityIfExistsAsync<TableEntity>(LogPartition, RunRow(runId), cancellationToken: cancellationToken);
        if (pointer.HasValue && Text(pointer.Value!, "HeadHash") == head.Hash && Text(pointer.Value!, "Retention") == tombstone)
        {
            await EnsureAnchoredAsync(table, cancellationToken); // the retried append may have stopped before anchoring
            return; // this head is in the log already (a retried append)
        }

        for (var attempt = 0; attempt < 50; attempt++)
        {
            var frontier = await CatchUpAsync(table, await ReadTreeAsync(table, cancellationToken), cancellationToken);
            var index = frontier.Size;
            var leaf = tombstone is null ? LogLeaf.ForHead(index, head) : LogLeaf.Tombstone(index, runId, head.Hash, tombstone);
            var signature = await (await keys.SignerAsync(cancellationToken)).SignAsync(leaf, cancellationToken);
            try
            {
                await table.AddEntityAsync(new TableEntity(LogPartition, LeafRow(index)) { ["Leaf"] = leaf.ToCanonicalJson(), ["RunId"] = runId, ["Signature"] = signature },
                    cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 + Random.Shared.Next(40)), cancellationToken);
                continue; // another run took this index
            }

            await table.UpsertEntityAsync(new TableEntity(LogPartition, RunRow(runId)) { ["HeadHash"] = head.Hash, ["Retention"] = tombstone, ["Leaf"] = index },
                TableUpdateMode.Replace, cancellationToken);
            await SignTreeAsync(table, frontier.Append(leaf.LeafHash()), cancellationToken);
            await EnsureAnchoredAsync(table, cancellationToken);
            return;
        }

        throw new InvalidOperationException($"could not add run {runId} to the evidence log after 50 attempts");
    }

    /// <summary>
    /// The signed tree's right edge, checked against its signed head before anything is signed over it: the stored edge
    /// (or, when it is missing or wrong, the one rebuilt from the leaves) must give the signed size and root, and the
    /// head's signature must verify. Anything else is a log changed in storage: appending refuses (fail closed) rather
    /// than sign it; <c>agentops verify --all</c> names what changed.
    /// </summary>
    private async Task<MerkleFrontier> ReadTreeAsync(TableClient table, CancellationToken cancellationToken)
    {
        // The anchor first: it is written after the tree row, so an honest log is never behind what was read here.
        var anchored = await anchors.LatestAsync(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(LogPartition, TreeRow, cancellationToken: cancellationToken);
        for (var wait = 0; !row.HasValue; wait++)
        {
            // No tree yet: fine while the first appender is signing it (a moment); leaves with no tree for longer mean
            // the tree row was deleted, and folding every leaf would sign whatever the leaves now say.
            if (!(await table.GetEntityIfExistsAsync<TableEntity>(LogPartition, LeafRow(0), cancellationToken: cancellationToken)).HasValue)
            {
                await CheckAnchoredAsync(table, anchored, TreeHead.Of(MerkleFrontier.Empty, time.GetUtcNow()), cancellationToken);
                return MerkleFrontier.Empty;
            }

            if (wait == 40)
            {
                throw new InvalidOperationException("the evidence log has leaves but no signed tree head: not signing over a log changed in storage");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            row = await table.GetEntityIfExistsAsync<TableEntity>(LogPartition, TreeRow, cancellationToken: cancellationToken);
        }

        var key = await keys.PublicKeyAsync(cancellationToken);
        if (!TreeHead.TryParse(Text(row.Value!, "Head"), out var signed, out _) || !key.Verify(signed, Text(row.Value!, "Signature")))
        {
            throw new InvalidOperationException("the evidence log's tree head is not signed by this host's key: not signing over a log changed in storage");
        }

        bool Matches(MerkleFrontier f) => f.Size == signed.Size && Convert.ToHexStringLower(f.Root()) == signed.Root;
        await CheckAnchoredAsync(table, anchored, signed, cancellationToken);
        if (TryRead<List<string>>(Text(row.Value!, "Frontier")) is { } hex && MerkleFrontier.TryParse(signed.Size, hex, out var frontier) && Matches(frontier))
        {
            return frontier;
        }

        // Older format or a damaged edge: fold the signed leaves once, and use them only if they give the signed root.
        var rebuilt = MerkleFrontier.Empty;
        foreach (var leaf in (await ReadLogAsync(cancellationToken)).Leaves.Take((int)Math.Min(signed.Size, int.MaxValue)))
        {
            rebuilt = rebuilt.Append(leaf.LeafHash());
        }

        return Matches(rebuilt)
            ? rebuilt
            : throw new InvalidOperationException("the evidence log's leaves no longer give its signed tree head: not signing over a log changed in storage");
    }

    /// <summary>
    /// Refuses a log that is not an extension of the latest anchored tree head: one restored from an earlier copy is
    /// smaller; one whose leaves were rewritten no longer gives the anchored root. The anchor's right edge and the leaves
    /// after it prove a larger signed tree extends it in O(leaves since); without an edge the whole log is read.
    /// </summary>
    private async Task CheckAnchoredAsync(TableClient table, AnchoredHead? anchored, TreeHead signed, CancellationToken cancellationToken)
    {
        if (anchored is null)
        {
            return; // nothing anchored yet: the first tree head signed from here on is
        }

        var anchor = anchored.Signed.Head;
        var key = await keys.PublicKeyAsync(cancellationToken);
        if (anchored.Signed.KeyId == key.KeyId && !key.Verify(anchor, anchored.Signed.Signature))
        {
            Refuse($"the latest anchored tree head ({anchors.Where}) is not signed by this host's key although it names it");
        }

        if (anchor.Size > signed.Size)
        {
            Refuse($"the evidence log was rolled back: it holds a signed tree of {signed.Size} leaves, the latest anchored tree head ({anchors.Where}) covers {anchor.Size}");
        }

        if (anchor.Size == signed.Size)
        {
            if (anchor.Root != signed.Root)
            {
                Refuse($"the evidence log is not the one anchored: its signed tree of {signed.Size} leaves has root {signed.Root}, the anchored head of that size {anchor.Root}");
            }

            return;
        }

        string? root = null;
        if (anchored.Frontier is { } edge)
        {
            var folded = edge;
            foreach (var leaf in await ReadLeavesAsync(table, anchor.Size, signed.Size, cancellationToken))
            {
                folded = leaf.Index == folded.Size ? folded.Append(leaf.LeafHash()) : folded;
            }

            root = folded.Size == signed.Size ? Convert.ToHexStringLower(folded.Root()) : null;
        }
        else
        {
            var prefix = (await ReadLeavesAsync(table, 0, anchor.Size, cancellationToken)).ToList();
            root = prefix.Count == anchor.Size && prefix.Select((l, i) => l.Index == i).All(b => b)
                ? (Convert.ToHexStringLower(MerkleTree.Root([.. prefix.Select(l => l.LeafHash())])) == anchor.Root ? signed.Root : null)
                : null;
        }

        if (root != signed.Root)
        {
            Refuse($"the evidence log is not an extension of its latest anchored tree head ({anchor.Size} leaves, {anchors.Where}): its leaves were rewritten or removed");
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Refuse(string reason)
    {
        logger.EvidenceLogRefused(reason);
        throw new InvalidOperationException(reason + ": not appending to it or signing over it (agentops verify --all names what changed)");
    }

    /// <summary>Anchors the signed tree row unless the anchor store holds a tree at least as big: after each signing, and when a retry finds its work done.</summary>
    private async Task EnsureAnchoredAsync(TableClient table, CancellationToken cancellationToken)
    {
        var anchored = await anchors.LatestAsync(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(LogPartition, TreeRow, cancellationToken: cancellationToken);
        var signer = await keys.SignerAsync(cancellationToken);
        if (!row.HasValue || !TreeHead.TryParse(Text(row.Value!, "Head"), out var signed, out _) || Text(row.Value!, "Signature") is not { } signature
            || !EvidencePublicKey.FromSpki(signer.PublicKeySpki).Verify(signed, signature) || anchored?.Signed.Head.Size >= signed.Size)
        {
            return; // nothing new to anchor (or nothing this host signed: the next append refuses it)
        }

        MerkleFrontier? frontier = TryRead<List<string>>(Text(row.Value!, "Frontier")) is { } hex && MerkleFrontier.TryParse(signed.Size, hex, out var edge)
            && Convert.ToHexStringLower(edge.Root()) == signed.Root ? edge : null;
        var leaves = await ReadLeavesAsync(table, anchored?.Signed.Head.Size ?? 0, signed.Size, cancellationToken);
        await anchors.WriteAsync(new AnchoredHead(new SignedTreeHead(signed, signature, signer.KeyId), frontier, leaves), cancellationToken);
    }

    /// <summary>The leaves with index in [from, to), as stored (a row that is not a leaf is left out).</summary>
    private static async Task<IReadOnlyList<LogLeaf>> ReadLeavesAsync(TableClient table, long from, long to, CancellationToken cancellationToken)
    {
        var leaves = new List<LogLeaf>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {LogPartition} and RowKey ge {LeafRow(from)} and RowKey lt {LeafRow(to)}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey", "Leaf"], cancellationToken: cancellationToken))
        {
            if (long.TryParse(row.RowKey["leaf-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && LogLeaf.TryParse(index, Text(row, "Leaf"), out var leaf, out _))
            {
                leaves.Add(leaf);
            }
        }

        return [.. leaves.OrderBy(l => l.Index)];
    }

    private static string? Text(TableEntity row, string name) => row.TryGetValue(name, out var value) ? value as string : null;

    /// <summary>
    /// Folds in leaves inserted after the signed tree (by appenders that have not signed yet): usually none. Each must
    /// carry this host's leaf signature; a leaf someone put there by hand is refused, not signed into the tree.
    /// </summary>
    private async Task<MerkleFrontier> CatchUpAsync(TableClient table, MerkleFrontier frontier, CancellationToken cancellationToken)
    {
        var key = await keys.PublicKeyAsync(cancellationToken);
        while (true)
        {
            var next = await table.GetEntityIfExistsAsync<TableEntity>(LogPartition, LeafRow(frontier.Size), cancellationToken: cancellationToken);
            if (!next.HasValue)
            {
                return frontier;
            }

            if (!LogLeaf.TryParse(frontier.Size, Text(next.Value!, "Leaf"), out var leaf, out _) || !key.Verify(leaf, Text(next.Value!, "Signature")))
            {
                throw new InvalidOperationException($"log leaf {frontier.Size}, past the signed tree, is not a leaf this host signed: not signing over a log changed in storage");
            }

            frontier = frontier.Append(leaf.LeafHash());
        }
    }

    /// <summary>Signs the tree of this right edge, unless a tree at least as big is signed already (a later appender won).</summary>
    private async Task SignTreeAsync(TableClient table, MerkleFrontier frontier, CancellationToken cancellationToken)
    {
        var tree = TreeHead.Of(frontier, time.GetUtcNow());
        var signature = await (await keys.SignerAsync(cancellationToken)).SignAsync(tree, cancellationToken);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(LogPartition, TreeRow, cancellationToken: cancellationToken);
            if (row.HasValue && TreeHead.TryParse(Text(row.Value!, "Head"), out var signed, out _) && signed.Size >= tree.Size)
            {
                return;
            }

            var entity = new TableEntity(LogPartition, TreeRow)
            {
                ["Head"] = tree.ToCanonicalJson(),
                ["Signature"] = signature,
                ["Frontier"] = JsonSerializer.Serialize(frontier.ToHex(), Json),
            };
            try
            {
                if (row.HasValue)
                {
                    await table.UpdateEntityAsync(entity, row.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Someone signed at the same time: read again and compare sizes.
            }
        }
    }

    /// <summary>Moves the run's records from <paramref name="seq"/> on to the superseded table (kept for audit, outside the chain).</summary>
    private async Task SupersedeFromAsync(TableClient table, string runId, long seq, CancellationToken cancellationToken)
    {
        var keep = await superseded.Value;
        var from = Row(seq);
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == runId && e.RowKey.CompareTo(from) >= 0, cancellationToken: cancellationToken))
        {
            var copy = new TableEntity(runId, $"{row.RowKey}-{row.GetInt64("Episode") ?? 0}")
            {
                ["Json"] = Text(row, "Json"), ["Hash"] = Text(row, "Hash"), ["Episode"] = row.GetInt64("Episode"), ["SupersededAt"] = time.GetUtcNow(),
            };
            await keep.UpsertEntityAsync(copy, TableUpdateMode.Replace, cancellationToken);
            await table.DeleteEntityAsync(runId, row.RowKey, row.ETag, cancellationToken);
            count++;
        }

        logger.EvidenceSuperseded(runId, seq, count);
    }

    private async Task<RunHead?> ReadHeadAsync(string runId, CancellationToken cancellationToken)
    {
        var row = await (await heads.Value).GetEntityIfExistsAsync<TableEntity>(HeadsPartition, runId, cancellationToken: cancellationToken);
        return row.HasValue && RunHead.TryParse(Text(row.Value!, "Head"), out var head, out _) ? head : null;
    }

    /// <summary>Data too large for a table property goes to a blob named by its digest; the record keeps the reference.</summary>
    private async Task<JsonObject> ExternalizeAsync(string runId, JsonObject data, CancellationToken cancellationToken)
    {
        var canonical = CanonicalJson.Serialize(data);
        if (canonical.Length <= MaxInlineData)
        {
            return data;
        }

        var digest = "sha256:" + CanonicalJson.Sha256(data);
        var blob = (await payloads.Value).GetBlobClient(PayloadName(runId, digest));
        await blob.UploadAsync(BinaryData.FromBytes(Encoding.UTF8.GetBytes(canonical)), overwrite: true, cancellationToken);
        return new JsonObject { ["$payload"] = digest };
    }

    private static async Task<TableClient> TableAsync(GovernanceStorage storage, string name)
    {
        var client = storage.Tables.GetTableClient(name);
        await client.CreateIfNotExistsAsync();
        return client;
    }

    private static T? TryRead<T>(string? json)
        where T : class
    {
        try
        {
            return json is null ? null : JsonSerializer.Deserialize<T>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Row(long seq) => seq.ToString("D12", CultureInfo.InvariantCulture);

    private static string RunRow(string runId) => "run-" + runId;

    // The time index shares the heads partition (so a head and its index row are written in one request); its keys
    // start with "t~", which no run id holds: newest first, as ticks counted down from the largest date.
    private const string TimePrefix = "t~";
    private const string TimeEnd = "t~~";

    private static long Inverted(DateTimeOffset at) => DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks;

    private static string TimeRow(DateTimeOffset startedAt, string runId) =>
        $"{TimePrefix}{Inverted(startedAt).ToString("D19", CultureInfo.InvariantCulture)}~{runId}";

    private static string LeafRow(long index) => "leaf-" + index.ToString("D12", CultureInfo.InvariantCulture);

    private static string PayloadName(string runId, string digest) => $"{runId}/{digest.Replace(':', '-')}.json";
}

using System.Text.Json.Nodes;
using Azure.Data.Tables;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The ledger's appends against Azurite, as two hosts of a cluster make them: concurrent runs racing for log indexes,
/// and activity retries repeating an append. Nothing is lost, nothing is doubled, and everything verifies.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvidenceLogAppendTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string hub = EngineHost.NewHubName();
    private readonly List<IDisposable> owned = [];

    public void Dispose()
    {
        foreach (var item in owned)
        {
            item.Dispose();
        }
    }

    [Fact]
    public async Task Append_TwoHostsLoggingRunsConcurrently_EveryLeafOnceAndTheSignedTreeCoversThemAll()
    {
        var (first, keys) = Ledger();
        var (second, _) = Ledger();
        var runs = Enumerable.Range(0, 24).Select(i => $"run-{i:D2}").ToList();

        // Each run logs its start and its end; the two hosts take turns, all at once.
        await Task.WhenAll(runs.Select((run, i) => AppendAsync(i % 2 == 0 ? first : second, run, 0, "run-start", final: false)));
        await Task.WhenAll(runs.Select((run, i) => AppendAsync(i % 2 == 0 ? second : first, run, 1, "run-end", final: true)));

        var log = await first.ReadLogAsync(CancellationToken.None);
        Assert.Equal(48, log.Leaves.Count);
        Assert.Equal(48, log.Head!.Size);
        var key = await keys.PublicKeyAsync(CancellationToken.None);
        var stored = new Dictionary<string, RunEvidence>();
        foreach (var run in runs)
        {
            var read = (await first.ReadRunAsync(run, CancellationToken.None))!;
            stored[run] = new RunEvidence(read.Records, read.Head, read.HeadSignature);
        }

        var report = EvidenceVerifier.VerifyLog(log.Leaves, log.Head, log.HeadSignature, key, stored.GetValueOrDefault);
        Assert.True(report.IsIntact, report.ToString());
        Assert.Equal(24, report.RunsVerified);
    }

    [Fact]
    public async Task Append_RetriedAfterItSucceeded_StoresAndLogsNothingTwice()
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "retried", 0, "run-start", final: false);
        await AppendAsync(ledger, "retried", 1, "run-end", final: true);

        // The activity ran again (its completion was lost): same batch, same sequence numbers.
        await AppendAsync(ledger, "retried", 1, "run-end", final: true);

        var run = (await ledger.ReadRunAsync("retried", CancellationToken.None))!;
        Assert.Equal([0L, 1L], run.Records.Select(r => r.Record!.Seq));
        Assert.Equal(2, (await ledger.ReadLogAsync(CancellationToken.None)).Leaves.Count);
    }

    [Fact]
    public async Task Append_BatchOfSeveralRecordsRetriedWholeAndInPart_StoresEachOnceInOrder()
    {
        var (ledger, keys) = Ledger();
        await AppendAsync(ledger, "batch", 0, "run-start", final: false);
        EvidenceEntry[] batch = [.. Enumerable.Range(1, 5).Select(n => new EvidenceEntry("step", DateTimeOffset.UnixEpoch.AddMinutes(1), new JsonObject { ["n"] = n }))];
        Task Append(IReadOnlyList<EvidenceEntry> entries, long first) =>
            ledger.AppendAsync("batch", first, entries, false, toLog: false, DateTimeOffset.UnixEpoch.AddMinutes(1), Summary(), CancellationToken.None);

        await Append(batch, 1);        // one transaction
        await Append(batch, 1);        // the activity ran again: every record is there already
        await Append(batch[2..], 3);   // a retry from the middle
        await Append([new EvidenceEntry("run-end", DateTimeOffset.UnixEpoch.AddMinutes(2), new JsonObject { ["n"] = 6 })], 6);

        var run = (await ledger.ReadRunAsync("batch", CancellationToken.None))!;
        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L, 6L], run.Records.Select(r => r.Record!.Seq));
        Assert.True(EvidenceVerifier.VerifyRun(run.Records, run.Head, run.HeadSignature, await keys.PublicKeyAsync(CancellationToken.None), "batch").IsIntact);
    }

    [Fact]
    public async Task Append_RecordOfAnEpisodeNeverCommitted_IsSupersededByTheLaterEpisodeAndALateCopyChangesNothing()
    {
        var (ledger, keys) = Ledger();
        await AppendAsync(ledger, "lost", 0, "run-start", final: false);

        // The host died after this episode's append ran but before its history was saved: the step ran again.
        await AppendAsync(ledger, "lost", 1, "step-result-a", final: false, minute: 5);
        await AppendAsync(ledger, "lost", 1, "step-result-b", final: false, minute: 6);
        await AppendAsync(ledger, "lost", 1, "step-result-a", final: false, minute: 5); // the lost episode's append, delivered late

        var run = (await ledger.ReadRunAsync("lost", CancellationToken.None))!;
        Assert.Equal(["run-start", "step-result-b"], run.Records.Select(r => r.Record!.Kind));
        var key = await keys.PublicKeyAsync(CancellationToken.None);
        Assert.True(EvidenceVerifier.VerifyRun(run.Records, run.Head, run.HeadSignature, key, "lost").IsIntact);
        var kept = new List<TableEntity>();
        await foreach (var row in new TableClient(azurite.ConnectionString, hub + "EvidenceSuperseded").QueryAsync<TableEntity>(e => e.PartitionKey == "lost"))
        {
            kept.Add(row);
        }

        Assert.Contains("step-result-a", Assert.Single(kept).GetString("Json"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_ADifferentRecordAtATakenSequenceNumber_IsRefused()
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "conflict", 0, "run-start", final: false);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AppendAsync(ledger, "conflict", 0, "something-else", final: false));

        Assert.Contains("already holds a different record 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_TreeRowLostItsRightEdge_RebuildsItFromTheLeaves()
    {
        var (ledger, keys) = Ledger();
        await AppendAsync(ledger, "a", 0, "run-start", final: false);
        var table = new TableClient(azurite.ConnectionString, hub + "EvidenceLog");
        var tree = (await table.GetEntityAsync<TableEntity>("log", "tree")).Value;
        tree.Remove("Frontier");
        await table.UpdateEntityAsync(tree, Azure.ETag.All, TableUpdateMode.Replace);

        await AppendAsync(ledger, "b", 0, "run-start", final: false);

        var log = await ledger.ReadLogAsync(CancellationToken.None);
        var key = await keys.PublicKeyAsync(CancellationToken.None);
        Assert.Equal(2, log.Head!.Size);
        Assert.Equal(Convert.ToHexStringLower(MerkleTree.Root([.. log.Leaves.Select(l => l.LeafHash())])), log.Head.Root);
        Assert.True(key.Verify(log.Head, log.HeadSignature));
    }

    [Theory]
    [InlineData("tree row deleted", "no signed tree head")]
    [InlineData("leaf rewritten and edge planted", "no longer give its signed tree head")]
    public async Task Append_LogChangedInStorage_RefusesToSignOverIt(string change, string reason)
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "victim", 0, "run-start", final: false);
        await AppendAsync(ledger, "other", 0, "run-start", final: false);
        var table = new TableClient(azurite.ConnectionString, hub + "EvidenceLog");
        if (change == "tree row deleted")
        {
            await table.DeleteEntityAsync("log", "tree");
        }
        else
        {
            // The victim's leaf becomes a copy of the other's, and the tree row gets the forged leaves' edge (its signed head unchanged).
            var victim = (await table.GetEntityAsync<TableEntity>("log", "leaf-000000000000")).Value;
            var other = (await table.GetEntityAsync<TableEntity>("log", "leaf-000000000001")).Value;
            victim["Leaf"] = other["Leaf"];
            await table.UpdateEntityAsync(victim, Azure.ETag.All, TableUpdateMode.Replace);
            var forged = MerkleFrontier.Empty.Append(other.ForHeadHash()).Append(other.ForHeadHash());
            var tree = (await table.GetEntityAsync<TableEntity>("log", "tree")).Value;
            tree["Frontier"] = System.Text.Json.JsonSerializer.Serialize(forged.ToHex());
            await table.UpdateEntityAsync(tree, Azure.ETag.All, TableUpdateMode.Replace);
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AppendAsync(ledger, "next", 0, "run-start", final: false));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_LeafSlippedInPastTheSignedTree_IsRefusedNotSigned()
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "victim", 0, "run-start", final: false);
        var table = new TableClient(azurite.ConnectionString, hub + "EvidenceLog");

        // A tombstone for the victim, written by hand where the next appender would fold it in.
        var head = (await ledger.ReadRunAsync("victim", CancellationToken.None))!.Head!;
        await table.AddEntityAsync(new TableEntity("log", "leaf-000000000001") { ["Leaf"] = LogLeaf.Tombstone(1, "victim", head.Hash, "P1D").ToCanonicalJson(), ["RunId"] = "victim" });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AppendAsync(ledger, "next", 0, "run-start", final: false));

        Assert.Contains("log leaf 1, past the signed tree, is not a leaf this host signed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_EachSignedTree_IsAnchoredOnceWithTheLeavesItAdded()
    {
        var (ledger, keys) = Ledger();
        await AppendAsync(ledger, "first", 0, "run-start", final: false);
        await AppendAsync(ledger, "second", 0, "run-start", final: false);

        var anchors = new EvidenceAnchors(Storage(), Options.Create(new EvidenceOptions { SigningKey = HostProcess.EvidenceKey }));
        var all = await anchors.AllAsync(CancellationToken.None);
        var log = await ledger.ReadLogAsync(CancellationToken.None);
        Assert.Equal([2L, 1L], all.Select(a => a.Signed.Head.Size));
        Assert.Equal(log.Head!.Root, all[0].Signed.Head.Root);
        Assert.True((await keys.PublicKeyAsync(CancellationToken.None)).Verify(all[0].Signed.Head, all[0].Signed.Signature));
        Assert.Equal(["first", "second"], all.SelectMany(a => a.Leaves).OrderBy(l => l.Index).Select(l => l.RunId));
    }

    [Fact]
    public async Task Append_LogTableRestoredFromAnEarlierCopy_IsRefusedAsRolledBack()
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "kept", 0, "run-start", final: false);
        var table = new TableClient(azurite.ConnectionString, hub + "EvidenceLog");
        var copy = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == "log"))
        {
            copy.Add(row);
        }

        await AppendAsync(ledger, "later", 0, "run-start", final: true);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == "log"))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        foreach (var row in copy)
        {
            await table.AddEntityAsync(row);
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AppendAsync(ledger, "next", 0, "run-start", final: false));

        Assert.Contains("the evidence log was rolled back: it holds a signed tree of 1 leaves, the latest anchored tree head", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await ledger.ReadLogAsync(CancellationToken.None)).Head!.Size); // nothing signed over it
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Append_AnchorStoreBehindTheLog_ChecksTheLeavesSinceAndAnchorsTheLargerTree(bool anchorKeepsItsEdge)
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "first", 0, "run-start", final: false);
        await AppendAsync(ledger, "second", 0, "run-start", final: false);
        var container = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, hub.ToLowerInvariant() + "-anchors");
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        // The anchor of the larger tree lost (its write failed), the one before it kept with or without its right edge.
        await container.DeleteBlobAsync(names[0]);
        if (!anchorKeepsItsEdge)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse((await container.GetBlobClient(names[1]).DownloadContentAsync()).Value.Content.ToString())!.AsObject();
            json.Remove("frontier");
            await container.GetBlobClient(names[1]).UploadAsync(BinaryData.FromString(json.ToJsonString()), overwrite: true);
        }

        await AppendAsync(ledger, "third", 0, "run-start", final: false);

        var anchors = new EvidenceAnchors(Storage(), Options.Create(new EvidenceOptions { SigningKey = HostProcess.EvidenceKey }));
        var latest = (await anchors.LatestAsync(CancellationToken.None))!;
        Assert.Equal(3, latest.Signed.Head.Size);
        Assert.Equal((await ledger.ReadLogAsync(CancellationToken.None)).Head!.Root, latest.Signed.Head.Root);
        Assert.Equal(["second", "third"], latest.Leaves.Select(l => l.RunId));
    }

    [Fact]
    public async Task Append_LeafAfterTheLatestAnchorRewritten_IsRefusedAsNotAnExtension()
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "first", 0, "run-start", final: false);
        await AppendAsync(ledger, "second", 0, "run-start", final: false);
        var container = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, hub.ToLowerInvariant() + "-anchors");
        await foreach (var blob in container.GetBlobsAsync())
        {
            await container.DeleteBlobAsync(blob.Name); // the latest (2 leaves) first: the anchor of 1 leaf is left
            break;
        }

        // Leaf 1 now names the first run again; the tree row (its signed head and edge) is left as it was.
        var table = new TableClient(azurite.ConnectionString, hub + "EvidenceLog");
        var leaf = (await table.GetEntityAsync<TableEntity>("log", "leaf-000000000001")).Value;
        leaf["Leaf"] = (await table.GetEntityAsync<TableEntity>("log", "leaf-000000000000")).Value["Leaf"];
        await table.UpdateEntityAsync(leaf, Azure.ETag.All, TableUpdateMode.Replace);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AppendAsync(ledger, "next", 0, "run-start", final: false));

        Assert.Contains("the evidence log is not an extension of its latest anchored tree head (1 leaves", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_WholeLogTableEmptied_IsRefusedAsRolledBack()
    {
        var (ledger, _) = Ledger();
        await AppendAsync(ledger, "kept", 0, "run-start", final: false);
        var table = new TableClient(azurite.ConnectionString, hub + "EvidenceLog");
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == "log"))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AppendAsync(ledger, "next", 0, "run-start", final: false));

        Assert.Contains("rolled back: it holds a signed tree of 0 leaves", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_RetriedAfterLaterRecordsWereAdded_KeepsTheLaterHeadAndTheRunVerifies()
    {
        var (ledger, keys) = Ledger();
        var end = new EvidenceEntry("run-end", DateTimeOffset.UnixEpoch.AddMinutes(1), new JsonObject { ["outcome"] = "completed" });
        await AppendAsync(ledger, "retried", 0, "run-start", final: false);
        await ledger.AppendAsync("retried", 1, [end], final: true, toLog: true, DateTimeOffset.UnixEpoch.AddMinutes(1), Summary(), CancellationToken.None);
        // The host adds an administrator's record behind the run's end, then the run's own final append runs again.
        await AppendAsync(ledger, "retried", 2, "admin", final: true, minute: 2);

        var again = await ledger.AppendAsync("retried", 1, [end], final: true, toLog: true, DateTimeOffset.UnixEpoch.AddMinutes(1), Summary(), CancellationToken.None);

        Assert.Equal(2, again.LastSeq);
        var run = (await ledger.ReadRunAsync("retried", CancellationToken.None))!;
        Assert.Equal(2, run.Head!.LastSeq);
        Assert.True(EvidenceVerifier.VerifyRun(run.Records, run.Head, run.HeadSignature, await keys.PublicKeyAsync(CancellationToken.None), "retried").IsIntact);
    }

    private static Task AppendAsync(EvidenceLedger ledger, string run, long seq, string kind, bool final, int? minute = null) =>
        ledger.AppendAsync(run, seq, [new EvidenceEntry(kind, DateTimeOffset.UnixEpoch.AddMinutes(minute ?? seq), new JsonObject { ["n"] = seq })], final, toLog: true,
            DateTimeOffset.UnixEpoch.AddMinutes(minute ?? seq), Summary(), CancellationToken.None);

    private static RunSummary Summary() =>
        new("test", new string('0', 64), new PrincipalRef("t/o", "Test", null), "running", DateTimeOffset.UnixEpoch, null, [], [], [], [], "P1D");

    private GovernanceStorage Storage() => GovernanceStorage.FromConfiguration(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [GovernanceStorage.PrefixSetting] = hub }).Build(),
        StorageConnection.FromConnectionString(azurite.ConnectionString));

    private (EvidenceLedger Ledger, EvidenceKeys Keys) Ledger()
    {
        var storage = Storage();
        var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        owned.Add(services);
        var options = Options.Create(new EvidenceOptions { SigningKey = HostProcess.EvidenceKey });
        var keys = new EvidenceKeys(options, services.GetRequiredService<IHttpClientFactory>());
        owned.Add(keys);
        var anchors = new EvidenceAnchors(storage, options);
        return (new EvidenceLedger(storage, keys, anchors, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<EvidenceLedger>.Instance), keys);
    }
}

/// <summary>The leaf hash of a stored leaf row, as the log folds it.</summary>
internal static class LeafRows
{
    public static byte[] ForHeadHash(this TableEntity row) =>
        LogLeaf.TryParse(0, row.GetString("Leaf"), out var leaf, out var error) ? leaf.LeafHash() : throw new InvalidOperationException(error);
}

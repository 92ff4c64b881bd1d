using Azure.Data.Tables;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Runs whose heads were written before the runs' time index existed have no row in it; the runs search and
/// <c>verify --all</c> read the index, so the ledger files them once, at a host's start, and never again.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TimeIndexBackfillTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Backfill_HeadWithoutTimeRow_IsFiledOnceAndFoundBySearch()
    {
        await using var services = RuntimeServices.Over(azurite.ConnectionString);
        var carried = services.GetRequiredService<CarriedEvidence>();
        var ledger = services.GetRequiredService<EvidenceLedger>();
        var at = DateTimeOffset.UtcNow;
        var (indexed, older) = ("indexed-" + Guid.NewGuid().ToString("N")[..8], "older-" + Guid.NewGuid().ToString("N")[..8]);
        await carried.AppendAsync(CarriedEvidenceTests.Carrying(indexed, 0, at, "run-start"));
        await carried.AppendAsync(CarriedEvidenceTests.Carrying(older, 0, at.AddSeconds(-1), "run-start"));

        // As a head written before the index: its row in the index is not there.
        var heads = new TableClient(azurite.ConnectionString, services.GetRequiredService<GovernanceStorage>().EvidenceHeadsTable);
        var olderRows = heads.Query<TableEntity>(e => e.PartitionKey == "heads" && e.RowKey.CompareTo("t~") >= 0 && e.RowKey.CompareTo("t~~") < 0)
            .Where(e => e.GetString("RunId") == older).ToList();
        Assert.Single(olderRows);
        await heads.DeleteEntityAsync("heads", olderRows[0].RowKey);
        Assert.Equal([indexed], await FoundAsync(ledger));

        var added = await ledger.BackfillTimeIndexAsync(CancellationToken.None);
        var again = await ledger.BackfillTimeIndexAsync(CancellationToken.None);

        Assert.Equal(1, added);
        Assert.Equal(0, again);
        Assert.Equal([indexed, older], await FoundAsync(ledger)); // newest first
    }

    private static async Task<IReadOnlyList<string>> FoundAsync(EvidenceLedger ledger) =>
        [.. (await ledger.SearchAsync(new RunQuery(), null, 100, 1000, CancellationToken.None)).Runs.Select(r => r.RunId)];
}

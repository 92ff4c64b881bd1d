using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Evidence that rides on a step's input is appended by that step before it acts. Storage that goes away for longer
/// than the Azure SDK's own retries of one request must not fail the step: the append is tried again, as the separate
/// append activity was by the engine, and lands once.
/// </summary>
[Collection(AzuriteFaultsCollection.Name)]
public sealed class CarriedEvidenceTests
{
    [Fact]
    public async Task Append_StorageDownLongerThanOneRequestsRetries_IsTriedAgainAndLandsOnce()
    {
        await using var storage = await AzuriteFixture.StartOnDiskAsync();
        await using var services = RuntimeServices.Over(storage.ConnectionString);
        var carried = services.GetRequiredService<CarriedEvidence>();
        var ledger = services.GetRequiredService<EvidenceLedger>();
        var runId = "carried-" + Guid.NewGuid().ToString("N")[..12];
        var at = DateTimeOffset.UtcNow;
        await carried.AppendAsync(Carrying(runId, 0, at, "run-start")); // tables created, head signed

        await storage.StopAsync();
        var append = carried.AppendAsync(Carrying(runId, 1, at.AddSeconds(1), "step"));
        await Task.Delay(TimeSpan.FromSeconds(10)); // longer than one request's own retries (about 6 s against a closed port)
        Assert.False(append.IsCompleted, append.Exception?.ToString() ?? "the append ended while storage was down");
        await storage.StartAgainAsync();
        await append.WaitAsync(TimeSpan.FromSeconds(60));

        var stored = await ledger.ReadRunAsync(runId, CancellationToken.None);
        Assert.Equal(["run-start", "step"], stored!.Records.Select(r => r.Record!.Kind));
    }

    [Fact]
    public void Transient_FailuresThatHealAndThoseThatDoNot_AreToldApart()
    {
        Assert.True(CarriedEvidence.Transient(new Azure.RequestFailedException(503, "busy")));
        Assert.True(CarriedEvidence.Transient(new Azure.RequestFailedException(0, "no answer")));
        Assert.True(CarriedEvidence.Transient(new InvalidOperationException("wrapped", new HttpRequestException("refused"))));
        Assert.False(CarriedEvidence.Transient(new Azure.RequestFailedException(409, "conflict")));
        Assert.False(CarriedEvidence.Transient(new InvalidOperationException("evidence of run r already holds a different record 3; not overwriting it")));
    }

    internal static ICarriesEvidence Carrying(string runId, long seq, DateTimeOffset at, string kind)
    {
        var alice = new PrincipalRef("t/alice", "Alice Martin", "alice@contoso.example");
        var summary = new RunSummary("crm-followup", new string('a', 64), alice, "running", at, null, [], [], [], [], string.Empty);
        return new Carrier(new EvidenceBatch(runId, seq, [new EvidenceEntry(kind, at, new JsonObject { ["n"] = seq })], false, false, at, summary));
    }

    private sealed record Carrier(EvidenceBatch? Evidence) : ICarriesEvidence;
}

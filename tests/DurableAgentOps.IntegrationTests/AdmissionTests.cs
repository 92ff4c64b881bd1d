using System.Text.Json;
using Azure.Data.Tables;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Admission control on a real host (<c>AgentOps:Admission:MaxActiveRuns</c>): runs started together do not advance in
/// lockstep; with one place, each run goes from its start to its gate alone, the others queued, and every queued run is
/// woken and reaches its gate (no wake-up lost); once all have ended, no place is held and nobody waits, and a queued
/// run replays to the same decisions.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdmissionTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Runs = 4;
    private readonly string hub = EngineHost.NewHubName();
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        var settings = HostProcess.DefaultSettings(azurite, hub, dev);
        settings["AgentOps__Admission__MaxActiveRuns"] = "1";
        host = await HostProcess.StartHealthyAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
    }

    [Fact]
    public async Task StartRuns_OnePlace_EachRunReachesItsGateAloneAndAllFinish()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, Runs).Select(_ => GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" })));
        foreach (var run in runs)
        {
            await GovernedRuns.WaitPhaseAsync(host, run, "awaiting-approval");
        }

        // From its start record (written after its place was given) to its gate's request: no two runs at once.
        var stretches = new List<(string Run, DateTimeOffset From, DateTimeOffset To)>();
        foreach (var run in runs)
        {
            var records = await GovernedRuns.EvidenceAsync(host, run);
            stretches.Add((run, At(records, "run-start"), At(records, "approval-request")));
        }

        stretches.Sort((a, b) => a.From.CompareTo(b.From));
        output.WriteLine(string.Join(Environment.NewLine, stretches.Select(s => $"{s.Run}: {s.From:HH:mm:ss.fff} → {s.To:HH:mm:ss.fff}")));
        Assert.All(stretches.Zip(stretches.Skip(1)), pair => Assert.True(pair.First.To <= pair.Second.From,
            $"{pair.Second.Run} started its steps at {pair.Second.From:O}, before {pair.First.Run} reached its gate at {pair.First.To:O}"));

        foreach (var run in runs)
        {
            await GovernedRuns.ApproveAsync(host, dev, run);
        }

        foreach (var run in runs)
        {
            var done = await GovernedRuns.WaitFinishedAsync(host, run);
            Assert.Equal("Completed", done.GetProperty("status").GetString());
        }

        // A queued run's history (its asks, its wake-up, the timer it set) replays to the same decisions; so does its ledger.
        var replay = await host.GetJsonAsync<JsonElement>($"/api/runs/{stretches[^1].Run}/replay");
        Assert.True(replay.GetProperty("sameDecisions").GetBoolean(), replay.GetProperty("text").GetString());
        Assert.Equal("history", replay.GetProperty("source").GetString());
        using (var purge = await host.Http.DeleteAsync($"/runtime/webhooks/durabletask/instances/{stretches[^1].Run}"))
        {
            Assert.True(purge.IsSuccessStatusCode, await purge.Content.ReadAsStringAsync());
        }

        var fromLedger = await host.GetJsonAsync<JsonElement>($"/api/runs/{stretches[^1].Run}/replay");
        Assert.Equal("ledger", fromLedger.GetProperty("source").GetString());
        Assert.True(fromLedger.GetProperty("sameDecisions").GetBoolean(), fromLedger.GetProperty("text").GetString());
        Assert.Equal(replay.GetProperty("compared").ToString(), fromLedger.GetProperty("compared").ToString());

        var table = new TableClient(azurite.ConnectionString, hub + "Admission");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        Assert.DoesNotContain(rows, r => r.PartitionKey == "waiting");
        Assert.All(rows.Where(r => r.PartitionKey == "slots"), r => Assert.Equal(string.Empty, r.GetString("Holder")));
    }

    private static DateTimeOffset At(List<JsonElement> records, string kind) =>
        records.First(r => r.GetProperty("kind").GetString() == kind).GetProperty("at").GetDateTimeOffset();
}

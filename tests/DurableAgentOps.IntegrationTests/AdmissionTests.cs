using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Admission control on a real host (<c>AgentOps:Admission:MaxActiveRuns</c>): runs started together, or approved
/// together, do not advance in lockstep; with one place, each run goes from its start to its gate alone, and from its
/// approval to its end alone, the others queued, and every queued run is woken (no wake-up lost); once all have ended,
/// no place is held and nobody waits, and a queued run replays to the same decisions.
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
    public async Task StartAndApproveRuns_OnePlace_EachRunReachesItsGateAndItsEndAloneAndAllFinish()
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

        AssertAlone(stretches, "started its steps", "reached its gate");

        // All approved at once: each approval that completes its gate asks for the place; one run goes on, the others
        // wait queued until it ends. From its write's record to its end record: no two runs at once.
        using (var bob = host.As(await dev.SignInAsync("bob.manager@contoso.example")))
        {
            var answers = await Task.WhenAll(runs.Select(run => bob.PostAsJsonAsync($"/api/runs/{run}/approvals", new { approved = true, comment = "ok" })));
            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode));
        }

        var afterGate = new List<(string Run, DateTimeOffset From, DateTimeOffset To)>();
        foreach (var run in runs)
        {
            var done = await GovernedRuns.WaitFinishedAsync(host, run);
            Assert.Equal("Completed", done.GetProperty("status").GetString());
            var records = await GovernedRuns.EvidenceAsync(host, run);
            var write = records.Last(r => r.GetProperty("kind").GetString() == "step").GetProperty("at").GetDateTimeOffset();
            afterGate.Add((run, write, At(records, "run-end")));
        }

        AssertAlone(afterGate, "wrote", "ended");

        // A queued run's history (its asks, its wake-up, the timer it set) replays to the same decisions; so does its ledger.
        // The run that wrote last waited for its place both before its gate and after its approval.
        var queued = afterGate[^1].Run;
        var replay = await host.GetJsonAsync<JsonElement>($"/api/runs/{queued}/replay");
        Assert.True(replay.GetProperty("sameDecisions").GetBoolean(), replay.GetProperty("text").GetString());
        Assert.Equal("history", replay.GetProperty("source").GetString());
        using (var purge = await host.Http.DeleteAsync($"/runtime/webhooks/durabletask/instances/{queued}"))
        {
            Assert.True(purge.IsSuccessStatusCode, await purge.Content.ReadAsStringAsync());
        }

        var fromLedger = await host.GetJsonAsync<JsonElement>($"/api/runs/{queued}/replay");
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

    /// <summary>Sorts the stretches by their start and asserts that each ends before the next starts.</summary>
    private void AssertAlone(List<(string Run, DateTimeOffset From, DateTimeOffset To)> stretches, string started, string ended)
    {
        stretches.Sort((a, b) => a.From.CompareTo(b.From));
        output.WriteLine(string.Join(Environment.NewLine, stretches.Select(s => $"{s.Run}: {s.From:HH:mm:ss.fff} → {s.To:HH:mm:ss.fff}")));
        Assert.All(stretches.Zip(stretches.Skip(1)), pair => Assert.True(pair.First.To <= pair.Second.From,
            $"{pair.Second.Run} {started} at {pair.Second.From:O}, before {pair.First.Run} {ended} at {pair.First.To:O}"));
    }

    private static DateTimeOffset At(List<JsonElement> records, string kind) =>
        records.First(r => r.GetProperty("kind").GetString() == kind).GetProperty("at").GetDateTimeOffset();
}

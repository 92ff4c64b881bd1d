using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Evidence anchored outside the operator's store, driven as its users drive it: an investigator keeps the signed tree
/// head with `agentops evidence head` and later runs `agentops verify --all --against` it; a storage writer restores an
/// earlier copy of the log table, deletes a completed run's records, rewrites or deletes a search index row in Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvidenceAnchorTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Alice = "alice@contoso.example";
    private const string Ivan = "ivan.investigator@contoso.example";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string hub = EngineHost.NewHubName();
    private readonly string homes = Path.Combine(Path.GetTempPath(), "agentops-anchors-" + Guid.NewGuid().ToString("N"));
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    private string KeptHead => Path.Combine(homes, "head.json");

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, hub, dev));
        Assert.Equal(0, (await CliAsync("login", "--dev", Ivan, "--authority", dev.Authority)).ExitCode);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
        if (Directory.Exists(homes))
        {
            Directory.Delete(homes, recursive: true);
        }
    }

    [Fact]
    public async Task VerifyAgainst_LogTableRestoredFromAnEarlierCopyAndTheLaterRunDeleted_NamesTheRollbackAndTheDeletedRun()
    {
        var kept = await RunAsync();
        var copy = await LogRowsAsync();
        var deleted = await RunAsync();
        await KeepHeadAndVerifyAsync();

        // The storage writer: yesterday's log table back, and the later run's records, head and index row gone.
        var log = Table("EvidenceLog");
        foreach (var row in await LogRowsAsync())
        {
            await log.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        foreach (var row in copy)
        {
            await log.AddEntityAsync(row);
        }

        await DeleteRunAsync(deleted);

        var against = await CliAsync("verify", "--all", "--against", KeptHead);
        Assert.True(against.ExitCode == 1, against.Out + against.Error);
        Assert.Contains("rolled back: the log has 1 run (2 leaves), the kept head had 2 runs (4 leaves)", against.Out, StringComparison.Ordinal);
        Assert.Contains($"deleted run {deleted}: the kept head logs it at leaf 3", against.Out, StringComparison.Ordinal);
        Assert.DoesNotContain($"deleted run {kept}", against.Out, StringComparison.Ordinal);

        // Without the kept head, the anchor store says as much.
        var anchored = await CliAsync("verify", "--all");
        Assert.Equal(1, anchored.ExitCode);
        Assert.Contains("rolled back: the log has 1 run (2 leaves), the anchored head had 2 runs (4 leaves)", anchored.Out, StringComparison.Ordinal);
        Assert.Contains($"deleted run {deleted}", anchored.Out, StringComparison.Ordinal);
        var step = await CliAsync("verify", "--all", "--limit", "10");
        Assert.Equal(1, step.ExitCode);
        Assert.Contains("rolled back: the log has 1 run (2 leaves), the anchored head had 2 runs (4 leaves)", step.Out, StringComparison.Ordinal);

        // The host's own verification says so too.
        using (var ivan = host.As(await dev.SignInAsync(Ivan)))
        {
            var verdict = JsonDocument.Parse(await ivan.GetStringAsync("/api/evidence/verify")).RootElement;
            Assert.False(verdict.GetProperty("intact").GetBoolean());
            Assert.Contains(verdict.GetProperty("breaks").EnumerateArray(), b => b.GetProperty("kind").GetString() == "rolledBack"
                && b.GetProperty("message").GetString()!.StartsWith("rolled back: the log has 1 run (2 leaves), the anchored head had 2 runs", StringComparison.Ordinal));
        }

        // The host does not append to the rolled-back log: the next run's evidence is refused, with the reason logged.
        await StartAsync();
        var waited = Stopwatch();
        while (!host.Output.Contains("Evidence log refused: the evidence log was rolled back", StringComparison.Ordinal) && waited.Elapsed < Patience)
        {
            await Task.Delay(200);
        }

        Assert.Contains("Evidence log refused: the evidence log was rolled back: it holds a signed tree of 2 leaves", host.Output, StringComparison.Ordinal);
        Assert.Equal(2, (await LogRowsAsync()).Count(r => r.RowKey.StartsWith("leaf-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task VerifyAgainst_CompletedRunsRecordsDeleted_NamesTheMissingRun()
    {
        var kept = await RunAsync();
        var deleted = await RunAsync();
        await KeepHeadAndVerifyAsync();

        await DeleteRunAsync(deleted);

        var after = await CliAsync("verify", "--all", "--against", KeptHead);
        Assert.True(after.ExitCode == 1, after.Out + after.Error);
        Assert.Contains($"missing run {deleted}: leaf 3 names it but no evidence is stored", after.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(kept, after.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("rolled back", after.Out, StringComparison.Ordinal); // the log itself was not touched
    }

    [Fact]
    public async Task VerifyAgainst_IndexRowRewrittenAndAnotherDeleted_NamesEachRunAndTheField()
    {
        var rewritten = await RunAsync();
        var hidden = await RunAsync();
        await KeepHeadAndVerifyAsync();

        var heads = Table("EvidenceHeads");
        var row = await TimeRowAsync(rewritten);
        Assert.Contains("\"status\":\"completed\"", row.GetString("Summary"), StringComparison.Ordinal);
        row["Summary"] = row.GetString("Summary")!.Replace("\"status\":\"completed\"", "\"status\":\"failed\"", StringComparison.Ordinal);
        await heads.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Replace);
        var gone = await TimeRowAsync(hidden);
        await heads.DeleteEntityAsync(gone.PartitionKey, gone.RowKey);

        // What a search now shows: the rewritten run is not among the completed ones, the hidden one is nowhere.
        var search = await CliAsync("runs", "--status", "completed", "--format", "json");
        Assert.DoesNotContain(rewritten, search.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(hidden, search.Out, StringComparison.Ordinal);

        var after = await CliAsync("verify", "--all", "--against", KeptHead);
        Assert.True(after.ExitCode == 1, after.Out + after.Error);
        Assert.Contains($"run {rewritten}: index row rewritten: 'status' is \"failed\", the signed index says \"completed\"", after.Out, StringComparison.Ordinal);
        Assert.Contains($"run {hidden}: hidden from the search: no index row lists it", after.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("rolled back", after.Out, StringComparison.Ordinal);
    }

    /// <summary>The investigator keeps today's head; verify --all against it passes before anything is touched.</summary>
    private async Task KeepHeadAndVerifyAsync()
    {
        var head = await CliAsync("evidence", "head", "--out", KeptHead);
        Assert.True(head.ExitCode == 0, head.Out + head.Error);
        Assert.Contains("signed tree head: 4 leaves", head.Out, StringComparison.Ordinal);
        var before = await CliAsync("verify", "--all", "--against", KeptHead);
        Assert.True(before.ExitCode == 0, before.Out + before.Error);
        Assert.Contains("the kept head (4 leaves", before.Out, StringComparison.Ordinal);
    }

    /// <summary>A run's records, its head and its index rows deleted, as someone with write access to the tables would.</summary>
    private async Task DeleteRunAsync(string runId)
    {
        var records = Table("Evidence");
        await foreach (var row in records.QueryAsync<TableEntity>(e => e.PartitionKey == runId))
        {
            await records.DeleteEntityAsync(runId, row.RowKey);
        }

        var heads = Table("EvidenceHeads");
        await heads.DeleteEntityAsync("heads", runId);
        var time = await TimeRowAsync(runId);
        await heads.DeleteEntityAsync(time.PartitionKey, time.RowKey);
    }

    private async Task<TableEntity> TimeRowAsync(string runId)
    {
        await foreach (var row in Table("EvidenceHeads").QueryAsync<TableEntity>(e => e.PartitionKey == "heads" && e.RowKey.CompareTo("t~") >= 0))
        {
            if (row.GetString("RunId") == runId)
            {
                return row;
            }
        }

        throw new InvalidOperationException($"run {runId} has no time index row");
    }

    private async Task<List<TableEntity>> LogRowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Table("EvidenceLog").QueryAsync<TableEntity>(e => e.PartitionKey == "log"))
        {
            rows.Add(row);
        }

        return rows;
    }

    private TableClient Table(string name) => new(azurite.ConnectionString, hub + name);

    private async Task<string> RunAsync()
    {
        var runId = await StartAsync();
        var done = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());

        // The final head is logged by the run's last activity; the status may show it completed a moment before.
        using var ivan = host.As(await dev.SignInAsync(Ivan));
        for (var i = 0; i < 100; i++)
        {
            using var response = await ivan.GetAsync($"/api/runs/{runId}/evidence");
            var evidence = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (evidence.GetProperty("verification").GetProperty("intact").GetBoolean() && evidence.GetProperty("verification").GetProperty("notes").GetArrayLength() == 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        return runId;
    }

    private async Task<string> StartAsync()
    {
        using var alice = host.As(await dev.SignInAsync(Alice));
        using var response = await alice.PostAsJsonAsync("/api/workflows/support-routing/runs", new { input = new { ticketId = "TCK-0000003" } });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    private static System.Diagnostics.Stopwatch Stopwatch() => System.Diagnostics.Stopwatch.StartNew();

    private Task<(int ExitCode, string Out, string Error)> CliAsync(params string[] args) =>
        CliProcess.RunAsync(Path.Combine(homes, "ivan"), host.BaseUrl, args);
}

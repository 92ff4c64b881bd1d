using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// A Development host may switch the scope guard or evidence off; every run it starts then says so wherever a person
/// looks: the run's status, its run-start evidence record, verification, the timeline (CLI, page, report),
/// <c>agentops runs</c>, and <c>agentops explain --host</c>. Alice starts crm-followup, Bob approves, Ivan investigates.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GovernanceOffTests(AzuriteFixture azurite, BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string homes = Directory.CreateTempSubdirectory("agentops-governance-off-").FullName;

    [Fact]
    public async Task GuardOffHost_GovernedRun_ShowsTheGuardOffInStatusLedgerTimelineRunsAndExplain()
    {
        await using var dev = await DevServicesProcess.StartAsync(azurite);
        await using var host = await StartDevelopmentHostAsync(dev, ("AgentOps__ScopeGuardEnabled", "false"));

        var runId = await RunGovernedAsync(dev, host);

        // The status names it.
        var status = await host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal(["scope-guard"], Strings(status.GetProperty("governanceOff")));

        // The ledger's first record says it, and the run still verifies (a note, not a break).
        using var ivan = host.As(await dev.SignInAsync(TimelineTests.Ivan));
        var evidence = await ivan.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/evidence");
        var start = RecordAt(evidence, 0);
        Assert.Equal("run-start", start.GetProperty("kind").GetString());
        Assert.Equal(["scope-guard"], Strings(start.GetProperty("data").GetProperty("governanceOff")));
        Assert.True(evidence.GetProperty("records").GetArrayLength() > 5, "the rest of the run is recorded as always");
        Assert.True(evidence.GetProperty("verification").GetProperty("intact").GetBoolean(), evidence.ToString());
        Assert.Contains(Strings(evidence.GetProperty("verification").GetProperty("notes")),
            n => n.StartsWith("governance off when the run started: the scope guard was off", StringComparison.Ordinal));

        // The CLI: timeline, runs (with its filter) and verify, as Ivan.
        var home = await LoginAsync(dev, host, "ivan", TimelineTests.Ivan);
        var timeline = await CliAsync(host, home, "timeline", runId);
        Assert.True(timeline.ExitCode == 0, timeline.Error + timeline.Out);
        Assert.Contains("\ngovernance OFF for this run: the scope guard was off (AgentOps:ScopeGuardEnabled=false)", timeline.Out, StringComparison.Ordinal);
        Assert.Matches(@"#0\s+run\s+run started by Alice Martin <alice@contoso\.example>: crm-followup \(definition [^)]+\); governance OFF: scope-guard\n", timeline.Out);
        var runs = await CliAsync(host, home, "runs", "--governance-off", "scope-guard");
        Assert.True(runs.ExitCode == 0, runs.Error);
        Assert.Contains(runId, runs.Out, StringComparison.Ordinal);
        Assert.Contains("governance OFF: scope-guard", runs.Out, StringComparison.Ordinal);
        Assert.Contains("no run matches", (await CliAsync(host, home, "runs", "--governance-off", "evidence")).Out, StringComparison.Ordinal);
        var verify = await CliAsync(host, home, "verify", runId);
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        Assert.Contains("note: governance off when the run started: the scope guard was off", verify.Out, StringComparison.Ordinal);
        Assert.Contains($"run {runId}: verified", verify.Out, StringComparison.Ordinal);

        // The incident report and the timeline page.
        var report = await ivan.GetStringAsync($"/api/runs/{runId}/report?format=html");
        Assert.Matches("<p id=\"governance-off\">governance OFF for this run: the scope guard was off", report);
        await AssertTimelinePageAsync(host, runId, "the scope guard was off");

        // Explain as this host enforces it: the scopes of the reads and the write are declared only; evidence is kept.
        var alice = await LoginAsync(dev, host, "alice", TimelineTests.Alice);
        var explain = await CliAsync(host, alice, "explain", "crm-followup", "--host", host.BaseUrl);
        Assert.True(explain.ExitCode == 0, explain.Error);
        Assert.Contains("Host: Development environment, identities local; scope guard OFF, evidence on", explain.Out, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(explain.Out, @"\(declared, not enforced by this host\)"));
        Assert.Contains("Scope: declared, not enforced by this host: this host's scope guard is off (AgentOps:ScopeGuardEnabled=false, Development host)", explain.Out, StringComparison.Ordinal);
        Assert.Contains("\nEvidence\n", explain.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvidenceOffHost_GovernedRun_RecordsItsStartOnlyWhichVerifiesExportsAndReadsWithANote()
    {
        await using var dev = await DevServicesProcess.StartAsync(azurite);
        await using var host = await StartDevelopmentHostAsync(dev, ("AgentOps__Evidence__Enabled", "false"));

        var runId = await RunGovernedAsync(dev, host);

        var status = await host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal(["evidence"], Strings(status.GetProperty("governanceOff")));

        // One record, under a final head: the run happened, and nothing after its start was kept.
        using var ivan = host.As(await dev.SignInAsync(TimelineTests.Ivan));
        var evidence = await ivan.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/evidence");
        Assert.Equal(1, evidence.GetProperty("records").GetArrayLength());
        var start = RecordAt(evidence, 0);
        Assert.Equal("run-start", start.GetProperty("kind").GetString());
        Assert.Equal(["evidence"], Strings(start.GetProperty("data").GetProperty("governanceOff")));
        Assert.Equal(DocumentedRunStartKeys(), start.GetProperty("data").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("\"final\":true", evidence.GetProperty("head").GetString(), StringComparison.Ordinal);
        Assert.Equal("unrecorded", evidence.GetProperty("summary").GetProperty("status").GetString());

        var home = await LoginAsync(dev, host, "ivan", TimelineTests.Ivan);
        var verify = await CliAsync(host, home, "verify", runId);
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        Assert.Contains("note: governance off when the run started: evidence was off", verify.Out, StringComparison.Ordinal);
        Assert.Contains("verified — 1 records, hash chain unbroken, head (seq 0, final)", verify.Out, StringComparison.Ordinal);

        var bundle = Path.Combine(homes, $"{runId}.evidence.json");
        var export = await CliAsync(host, home, "export", runId, "--output", bundle);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.Contains("note: governance off when the run started: evidence was off", export.Out, StringComparison.Ordinal);
        var offline = await CliAsync(null, home, "verify", "--bundle", bundle);
        Assert.True(offline.ExitCode == 0, offline.Out + offline.Error);
        Assert.Contains("note: governance off when the run started: evidence was off", offline.Out, StringComparison.Ordinal);

        var timeline = await CliAsync(host, home, "timeline", runId);
        Assert.True(timeline.ExitCode == 0, timeline.Out + timeline.Error);
        Assert.Contains("by Alice Martin <alice@contoso.example>; not recorded (evidence was off)\n", timeline.Out, StringComparison.Ordinal);
        Assert.Contains("governance OFF for this run: evidence was off (AgentOps:Evidence:Enabled=false)", timeline.Out, StringComparison.Ordinal);
        Assert.Contains("evidence: verified\n", timeline.Out, StringComparison.Ordinal);

        var runs = await CliAsync(host, home, "runs", "--governance-off", "any");
        Assert.Contains(runId, runs.Out, StringComparison.Ordinal);
        Assert.Contains("unrecorded", runs.Out, StringComparison.Ordinal);
        Assert.Contains("governance OFF: evidence", runs.Out, StringComparison.Ordinal);

        var explain = await CliAsync(host, home, "explain", "crm-followup", "--host", host.BaseUrl, "--format", "markdown");
        Assert.True(explain.ExitCode == 0, explain.Error);
        Assert.Contains("_declared, not enforced by this host: evidence is off on this host (AgentOps:Evidence:Enabled=false, Development host): a run records its start only._",
            explain.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("_Scope:", explain.Out, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(homes, recursive: true);

    /// <summary>A host running as Development (set explicitly: only there may a switch be off) with <paramref name="switches"/> off.</summary>
    private Task<HostProcess> StartDevelopmentHostAsync(DevServicesProcess dev, params (string Key, string Value)[] switches)
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        foreach (var (key, value) in switches.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
        {
            settings[key] = value;
        }

        settings["ASPNETCORE_ENVIRONMENT"] = "Development";
        return HostProcess.StartHealthyAsync(settings);
    }

    /// <summary>Alice starts crm-followup for ACC-000002; Bob approves at its gate; the run completes.</summary>
    private static async Task<string> RunGovernedAsync(DevServicesProcess dev, HostProcess host)
    {
        string id;
        using (var alice = host.As(await dev.SignInAsync(TimelineTests.Alice)))
        {
            using var started = await alice.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = "ACC-000002" } });
            Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        }

        await host.WaitForJsonAsync($"/api/runs/{id}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
        using (var bob = host.As(await dev.SignInAsync(TimelineTests.Bob)))
        {
            using var approved = await bob.PostAsJsonAsync($"/api/runs/{id}/approvals", new { approved = true, comment = "ok" });
            Assert.True(approved.StatusCode == HttpStatusCode.Accepted, await approved.Content.ReadAsStringAsync());
        }

        var done = await host.WaitForJsonAsync($"/api/runs/{id}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        return id;
    }

    private async Task AssertTimelinePageAsync(HostProcess host, string runId, string expected)
    {
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var url = $"{host.BaseUrl}/runs/{runId}/timeline";
        await BrowserSignIn.AtPageAsync(page, url, TimelineTests.Ivan);

        Assert.Contains(expected, await page.Locator("#governance-off").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Matches(@"Governance off\s+scope-guard", await page.Locator("#run").InnerTextAsync());
    }

    private async Task<string> LoginAsync(DevServicesProcess dev, HostProcess host, string name, string person)
    {
        var home = Path.Combine(homes, name);
        var login = await CliAsync(host, home, "login", "--dev", person, "--authority", dev.Authority);
        Assert.True(login.ExitCode == 0, login.Error);
        return home;
    }

    private static Task<(int ExitCode, string Out, string Error)> CliAsync(HostProcess? host, string home, params string[] args) =>
        CliProcess.RunAsync(home, host?.BaseUrl, args);

    /// <summary>The run-start keys docs/EVIDENCE.md's table names (its first column, backquoted), sorted.</summary>
    private static List<string> DocumentedRunStartKeys()
    {
        var docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "EVIDENCE.md"));
        var table = docs[docs.IndexOf("### The run-start record", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n\n", table.IndexOf("| key |", StringComparison.Ordinal), StringComparison.Ordinal)];
        return [.. table.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(l => Regex.Matches(l.Split('|')[1], "`([a-zA-Z0-9]+)`").Select(m => m.Groups[1].Value)).Order(StringComparer.Ordinal)];
    }

    private static JsonElement RecordAt(JsonElement evidence, int index) =>
        JsonDocument.Parse(evidence.GetProperty("records")[index].GetProperty("json").GetString()!).RootElement;

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}

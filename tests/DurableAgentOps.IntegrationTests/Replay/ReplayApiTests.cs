using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// Replay as investigators use it, on real hosts with the dev sign-in: a governed crm-followup run Alice started and
/// Bob approved replays with the same decisions from its Durable history and, once that is purged, from its evidence
/// ledger and from its exported bundle; a host whose workflow files changed names the first decision they change.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReplayApiTests(AzuriteFixture azurite, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string hub = EngineHost.NewHubName();
    private readonly string homes = Directory.CreateTempSubdirectory("agentops-replay-").FullName;
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        host = await HostProcess.StartHealthyAsync(Settings(null));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
        Directory.Delete(homes, recursive: true);
    }

    [Fact]
    public async Task Replay_ApprovedRunThenItsHistoryPurged_SameDecisionsFromHistoryLedgerAndBundle()
    {
        var runId = await ApprovedRunAsync();
        using var ivan = host.As(await dev.SignInAsync("ivan.investigator@contoso.example"));
        Assert.Equal(0, (await CliAsync("ivan", "login", "--dev", "ivan.investigator@contoso.example", "--authority", dev.Authority)).ExitCode);

        var fromHistory = await ReplayAsync(ivan, runId);
        Assert.Equal("history", fromHistory.GetProperty("source").GetString());
        Assert.True(fromHistory.GetProperty("sameDecisions").GetBoolean(), fromHistory.GetProperty("text").GetString());
        var compared = fromHistory.GetProperty("compared");
        Assert.True(compared.GetProperty("activities").GetInt32() >= 8, compared.ToString()); // load, 2 reads, draft, route, prepare, notify, verify, write…
        Assert.Equal(1, compared.GetProperty("events").GetInt32());
        var cliHistory = await CliAsync("ivan", "replay", runId);
        output.WriteLine(fromHistory.GetProperty("text").GetString());
        output.WriteLine(cliHistory.Out);
        Assert.True(cliHistory.ExitCode == 0, cliHistory.Error + cliHistory.Out);
        Assert.StartsWith($"same decisions ({compared.GetProperty("activities").GetInt32()} activities, 1 events, 0 timers compared; source: history)\n", cliHistory.Out, StringComparison.Ordinal);

        using (var purge = await host.Http.DeleteAsync($"/runtime/webhooks/durabletask/instances/{runId}"))
        {
            Assert.True(purge.IsSuccessStatusCode, await purge.Content.ReadAsStringAsync());
        }

        var fromLedger = await ReplayAsync(ivan, runId);
        Assert.Equal("ledger", fromLedger.GetProperty("source").GetString());
        Assert.True(fromLedger.GetProperty("sameDecisions").GetBoolean(), fromLedger.GetProperty("text").GetString());
        Assert.Equal(Counts(compared), Counts(fromLedger.GetProperty("compared")));
        Assert.Equal(fromHistory.GetProperty("report").GetProperty("outcomeToday").GetString(), fromLedger.GetProperty("report").GetProperty("outcomeToday").GetString());
        foreach (var answer in new[] { fromHistory, fromLedger })
        {
            var report = answer.GetProperty("report");
            Assert.Equal(report.GetProperty("itemsRecorded").GetInt32(), report.GetProperty("itemsReplayed").GetInt32()); // nothing left over
        }

        var cliLedger = await CliAsync("ivan", "replay", runId, "--format", "json");
        Assert.True(cliLedger.ExitCode == 0, cliLedger.Error + cliLedger.Out);
        Assert.Equal("ledger", JsonDocument.Parse(cliLedger.Out).RootElement.GetProperty("source").GetString());

        var bundle = await BundleAsync(ivan, runId);
        var file = Path.Combine(homes, $"{runId}.evidence.json");
        await File.WriteAllTextAsync(file, bundle);
        var cliBundle = await CliAsync("ivan", "replay", "--bundle", file);
        output.WriteLine(fromLedger.GetProperty("text").GetString());
        output.WriteLine(cliBundle.Out);
        Assert.True(cliBundle.ExitCode == 0, cliBundle.Error + cliBundle.Out);
        Assert.StartsWith($"same decisions ({compared.GetProperty("activities").GetInt32()} activities, 1 events, 0 timers compared; source: bundle)\n", cliBundle.Out, StringComparison.Ordinal);

        // One byte of one record changed: the bundle no longer verifies, and is not replayed.
        var at = bundle.IndexOf("\\\"kind\\\":\\\"step\\\"", StringComparison.Ordinal);
        Assert.True(at > 0, "the bundle holds a step record");
        var broken = bundle[..at] + bundle[at..].Replace("\\\"kind\\\":\\\"step\\\"", "\\\"kind\\\":\\\"stop\\\"", StringComparison.Ordinal);
        using var refused = await ivan.PostAsync("/api/replay", new StringContent(broken, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("does not verify", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, broken);
        var cliBroken = await CliAsync("ivan", "replay", "--bundle", file);
        Assert.Equal(1, cliBroken.ExitCode);
        Assert.Contains("does not verify", cliBroken.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_HostWithChangedWorkflowFiles_NamesTheFirstDivergingDecision()
    {
        var runId = await ApprovedRunAsync();
        var token = await dev.SignInAsync("ivan.investigator@contoso.example");

        // A route condition changed: the route step's input (its routes) differs, at the condition's path.
        var route = await ReplayOnChangedHostAsync(token, runId, "crm-followup.yaml",
            text => Edit(text, "when: account.tier == 'strategic'", "when: account.tier == 'key'"));
        var routeDivergence = Diverged(route, "inputDiffers");
        output.WriteLine(route.GetProperty("text").GetString());
        Assert.Equal(("activity", "RouteStepActivity", "route-by-tier"), Call(routeDivergence.GetProperty("got")));
        Assert.Contains(routeDivergence.GetProperty("differences").EnumerateArray(), d => d.GetProperty("path").GetString() == "step.routes[0].when");
        Assert.True(route.GetProperty("report").GetProperty("definition").GetProperty("changed").GetBoolean());

        // A scope changed: the first step under it is called with another input.
        var scope = await ReplayOnChangedHostAsync(token, runId, "crm-followup.yaml",
            text => Edit(text, "operations: [crm.calls.read]\n", "operations: [crm.calls.read, crm.accounts.read]\n"));
        var scopeDivergence = Diverged(scope, "inputDiffers");
        Assert.Equal(("activity", "ReadStepActivity", "read-last-call"), Call(scopeDivergence.GetProperty("got")));
        Assert.Contains(scopeDivergence.GetProperty("differences").EnumerateArray(), d => d.GetProperty("path").GetString() == "step.scope.operations");

        // Two steps reordered: where the run drafted, today's code routes.
        var reordered = await ReplayOnChangedHostAsync(token, runId, "crm-followup.yaml", SwapDraftAndRoute);
        var reorderedDivergence = Diverged(reordered, "activityNameDiffers");
        output.WriteLine(reordered.GetProperty("text").GetString());
        Assert.Equal(("activity", "DraftStepActivity", "draft-followup"), Call(reorderedDivergence.GetProperty("expected")));
        Assert.Equal(("activity", "RouteStepActivity", "route-by-tier"), Call(reorderedDivergence.GetProperty("got")));

        // A step added: where the run drafted, today's code reads once more.
        var added = await ReplayOnChangedHostAsync(token, runId, "crm-followup.yaml", text => Edit(text, "  - id: draft-followup\n", """
              - id: read-last-call-again
                kind: read
                description: Read the last call once more.
                identity: crm-reader
                system: crm
                operation: crm.calls.read
                scope:
                  operations: [crm.calls.read]
                  records:
                    region: [emea]
                from: [read-account]

              - id: draft-followup

            """));
        var addedDivergence = Diverged(added, "activityNameDiffers");
        Assert.Equal(("activity", "DraftStepActivity", "draft-followup"), Call(addedDivergence.GetProperty("expected")));
        Assert.Equal(("activity", "ReadStepActivity", "read-last-call-again"), Call(addedDivergence.GetProperty("got")));

        // With the run's own definition, the changed file changes nothing: only code changes would show.
        var recorded = await ReplayOnChangedHostAsync(token, runId, "crm-followup.yaml", SwapDraftAndRoute, "?definition=recorded");
        Assert.True(recorded.GetProperty("sameDecisions").GetBoolean(), recorded.GetProperty("text").GetString());

        // From the ledger (history purged) the same call is named, by its input's digest alone.
        using (var purge = await host.Http.DeleteAsync($"/runtime/webhooks/durabletask/instances/{runId}"))
        {
            Assert.True(purge.IsSuccessStatusCode, await purge.Content.ReadAsStringAsync());
        }

        var fromLedger = await ReplayOnChangedHostAsync(token, runId, "crm-followup.yaml",
            text => Edit(text, "when: account.tier == 'strategic'", "when: account.tier == 'key'"));
        Assert.Equal("ledger", fromLedger.GetProperty("source").GetString());
        var ledgerDivergence = Diverged(fromLedger, "inputDiffers");
        output.WriteLine(fromLedger.GetProperty("text").GetString());
        Assert.Equal(Call(routeDivergence.GetProperty("got")), Call(ledgerDivergence.GetProperty("got")));
        Assert.Empty(ledgerDivergence.GetProperty("differences").EnumerateArray());
        Assert.Contains("digests differ", ledgerDivergence.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayApi_AnonymousNonReaderUnknownRunOversizedOrBrokenBundle_RefusedWithTheirStatus()
    {
        using var ivan = host.As(await dev.SignInAsync("ivan.investigator@contoso.example"));
        using var ana = host.As(await dev.SignInAsync("ana.silva@contoso.example"));

        using (var anonymous = await host.Anonymous.GetAsync("/api/runs/run-x/replay"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var anonymousBundle = await host.Anonymous.PostAsync("/api/replay", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymousBundle.StatusCode);
        }

        using (var starter = await ana.GetAsync("/api/runs/run-x/replay"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, starter.StatusCode);
            Assert.Contains("AgentOps.Investigator", await starter.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var unknown = await ivan.GetAsync("/api/runs/run-never-was/replay"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        }

        using (var badChoice = await ivan.GetAsync("/api/runs/run-x/replay?definition=yesterday"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badChoice.StatusCode);
        }

        var oversized = "{\"pad\":\"" + new string('a', 4 * 1024 * 1024) + "\"}";
        using (var tooLarge = await ivan.PostAsync("/api/replay", new StringContent(oversized, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }

        using (var notABundle = await ivan.PostAsync("/api/replay", new StringContent("{\"format\":\"durableagentops-evidence-bundle/1\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, notABundle.StatusCode);
            Assert.Contains("not an evidence bundle", await notABundle.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(0, (await CliAsync("ana", "login", "--dev", "ana.silva@contoso.example", "--authority", dev.Authority)).ExitCode);
        var forbidden = await CliAsync("ana", "replay", "run-x");
        Assert.Equal(5, forbidden.ExitCode);
        var missing = await CliAsync("ana", "replay", "--bundle", Path.Combine(homes, "no-such.evidence.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no-such.evidence.json", missing.Error, StringComparison.Ordinal);
        var signedOut = await CliAsync("nobody", "replay", "run-x");
        Assert.Equal(4, signedOut.ExitCode);
    }

    private Dictionary<string, string?> Settings(string? workflows)
    {
        var settings = HostProcess.DefaultSettings(azurite, hub, dev);

        if (workflows is not null)
        {
            settings["AgentOps__Workflows__Path"] = workflows;
        }

        return settings;
    }

    /// <summary>Alice starts crm-followup for ACC-000002, Bob approves at its gate, the run completes.</summary>
    private async Task<string> ApprovedRunAsync()
    {
        string runId;
        using (var alice = host.As(await dev.SignInAsync("alice@contoso.example")))
        using (var started = await alice.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = "ACC-000002" } }))
        {
            Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        }

        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
        using (var bob = host.As(await dev.SignInAsync("bob.manager@contoso.example")))
        using (var approved = await bob.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true }))
        {
            Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        }

        var done = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        return runId;
    }

    private static async Task<JsonElement> ReplayAsync(HttpClient client, string runId, string query = "")
    {
        using var response = await client.GetAsync($"/api/runs/{runId}/replay{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The run's export bundle (the ledger signs its head into the log at the end; it may take a moment).</summary>
    private static async Task<string> BundleAsync(HttpClient client, string runId)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await client.GetAsync($"/api/runs/{runId}/evidence/bundle");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return body;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Conflict && attempt < 50, body);
            await Task.Delay(200);
        }
    }

    /// <summary>A second host on the same task hub and storage, started from a changed copy of workflows/.</summary>
    private async Task<JsonElement> ReplayOnChangedHostAsync(string token, string runId, string file, Func<string, string> change, string query = "")
    {
        var folder = Directory.CreateTempSubdirectory("agentops-workflows-").FullName;
        try
        {
            Copy(Path.Combine(RepoPaths.Root, "workflows"), folder);
            var path = Path.Combine(folder, file);
            await File.WriteAllTextAsync(path, change(await File.ReadAllTextAsync(path)));
            await using var changed = await HostProcess.StartHealthyAsync(Settings(folder));
            using var client = changed.As(token);
            return await ReplayAsync(client, runId, query);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static JsonElement Diverged(JsonElement answer, string kind)
    {
        Assert.False(answer.GetProperty("sameDecisions").GetBoolean(), answer.GetProperty("text").GetString());
        var divergence = answer.GetProperty("divergence");
        Assert.True(divergence.GetProperty("kind").GetString() == kind, answer.GetProperty("text").GetString());
        return divergence;
    }

    private static (string?, string?, string?) Call(JsonElement call) =>
        (call.GetProperty("kind").GetString(), call.GetProperty("name").GetString(), call.TryGetProperty("step", out var step) ? step.GetString() : null);

    private static (int, int, int) Counts(JsonElement compared) =>
        (compared.GetProperty("activities").GetInt32(), compared.GetProperty("events").GetInt32(), compared.GetProperty("timers").GetInt32());

    private static string Edit(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private static string SwapDraftAndRoute(string workflow)
    {
        var draft = workflow[workflow.IndexOf("  - id: draft-followup", StringComparison.Ordinal)..workflow.IndexOf("  - id: route-by-tier", StringComparison.Ordinal)];
        var route = workflow[workflow.IndexOf("  - id: route-by-tier", StringComparison.Ordinal)..workflow.IndexOf("  - id: write-followup", StringComparison.Ordinal)];
        return Edit(workflow, draft + route, route + draft);
    }

    private static void Copy(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var source in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(source, Path.Combine(to, Path.GetRelativePath(from, source)));
        }
    }

    /// <summary>`agentops ...` as the built program, with the person's own AGENTOPS_HOME and the test host.</summary>
    private Task<(int ExitCode, string Out, string Error)> CliAsync(string person, params string[] args) =>
        CliProcess.RunAsync(Path.Combine(homes, person), host.BaseUrl, args);
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The evidence ledger, driven the way its users drive it: people start, approve and are refused through the host; an
/// investigator reads, verifies and exports through the API and the CLI; the Durable history is purged through the
/// instance API; an attacker edits Azure Tables directly. Every check recomputes hashes and signatures.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvidenceLedgerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob.manager@contoso.example";
    private const string Mallory = "mallory@contoso.example";
    private const string Ivan = "ivan.investigator@contoso.example";
    private const string Olga = "olga.ops@contoso.example";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string hub = EngineHost.NewHubName();
    private readonly string homes = Path.Combine(Path.GetTempPath(), "agentops-evidence-" + Guid.NewGuid().ToString("N"));
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        host = await StartHostAsync(null);
        Assert.Equal(0, (await CliAsync("ivan", "login", "--dev", Ivan, "--authority", dev.Authority)).ExitCode);
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
    public async Task Ledger_GovernedRunWithRefusalsAndApproval_HoldsEveryItemInOrderAndVerifies()
    {
        var runId = await RunCrmFollowupAsync();

        var evidence = await EvidenceAsync(runId);
        var records = Records(evidence);
        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.GetProperty("seq").GetInt64()));
        var kinds = records.Select(r => r.GetProperty("kind").GetString()!).ToList();
        AssertInOrder(kinds, "run-start", "step", "approval-request", "notice", "refusal", "ignored-event", "decision", "step", "run-end");

        var start = Data(records[0]);
        Assert.Equal("crm-followup", start.GetProperty("workflow").GetString());
        Assert.Matches("^[0-9a-f]{64}$", start.GetProperty("definitionSha256").GetString()!);
        Assert.Equal("Alice Martin", start.GetProperty("initiator").GetProperty("name").GetString());
        Assert.Matches("^[0-9a-f]{64}$", start.GetProperty("inputDigest").GetString()!);

        var steps = records.Where(r => r.GetProperty("kind").GetString() == "step").Select(Data).ToList();
        Assert.All(steps, s =>
        {
            Assert.False(string.IsNullOrEmpty(s.GetProperty("identity").GetString()));
            Assert.Matches("^[0-9a-f-]{36}$", s.GetProperty("clientId").GetString()!);
            Assert.NotEqual(JsonValueKind.Null, s.GetProperty("declaredScope").ValueKind);
            if (s.GetProperty("declaredScope").GetProperty("operations").GetArrayLength() > 0)
            {
                Assert.NotEqual(JsonValueKind.Null, s.GetProperty("grantedScope").ValueKind); // a step on a system: what its identity was granted there
            }
            Assert.Matches("^[0-9a-f]{64}$", s.GetProperty("outputDigest").GetString()!);
        });
        Assert.Contains(steps, s => s.GetProperty("identity").GetString() == "crm-writer" && s.GetProperty("records").EnumerateArray().Any(r => r.GetString() == "ACC-000002"));
        Assert.Contains(steps, s => s.GetProperty("modelUsage").ValueKind == JsonValueKind.Object); // the draft step's model and tokens

        var refusal = Data(records.Single(r => r.GetProperty("kind").GetString() == "refusal"));
        Assert.Equal("approval", refusal.GetProperty("guard").GetString());
        Assert.Equal("Mallory Outsider", refusal.GetProperty("principal").GetProperty("name").GetString());
        var decision = Data(records.Single(r => r.GetProperty("kind").GetString() == "decision"));
        Assert.Equal("Bob Manager", decision.GetProperty("approver").GetProperty("name").GetString());
        Assert.Contains(decision.GetProperty("channel").GetString(), new[] { "api", "cli" }); // the dev sign-in is the CLI's client
        Assert.Equal("counted", decision.GetProperty("counted").GetString());
        Assert.False(string.IsNullOrEmpty(decision.GetProperty("changeDigest").GetString()));

        Assert.True(evidence.GetProperty("verification").GetProperty("intact").GetBoolean(), evidence.GetProperty("verification").ToString());
        var cli = await CliAsync("ivan", "verify", runId);
        Assert.True(cli.ExitCode == 0, cli.Out + cli.Error);
        Assert.Contains($"run {runId}: verified", cli.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evidence_AfterTheDurableHistoryIsPurged_SearchVerifyAndExportStillWork()
    {
        var runId = await RunCrmFollowupAsync();
        using (var purge = await host.Http.DeleteAsync($"/runtime/webhooks/durabletask/instances/{runId}"))
        {
            Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        }

        using (var gone = await host.Http.GetAsync($"/runtime/webhooks/durabletask/instances/{runId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        var found = await CliAsync("ivan", "runs", "--wrote", "crm-writer:ACC-000002", "--approver", Bob, "--format", "json");
        Assert.True(found.ExitCode == 0, found.Error);
        Assert.Contains(JsonDocument.Parse(found.Out).RootElement.GetProperty("runs").EnumerateArray(), r => r.GetProperty("runId").GetString() == runId);

        var verified = await CliAsync("ivan", "verify", runId);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);

        // Replay from the ledger (the history is gone): mallory's refused decision and the ignored event included.
        var replay = await CliAsync("ivan", "replay", runId);
        Assert.True(replay.ExitCode == 0, replay.Out + replay.Error);
        Assert.Contains("same decisions", replay.Out, StringComparison.Ordinal);
        Assert.Contains("source: ledger", replay.Out, StringComparison.Ordinal);

        var bundle = Path.Combine(homes, runId + ".evidence.json");
        var export = await CliAsync("ivan", "export", runId, "--output", bundle);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);

        // A fresh process with only the bundle and the public key: no host, no sign-in.
        var key = Path.Combine(homes, "evidence-public.pem");
        using (var signer = new Core.Evidence.PemEvidenceSigner(HostProcess.EvidenceKey))
        {
            await File.WriteAllTextAsync(key, signer.PublicKey.ToPem());
        }
        var offline = await CliProcess.RunAsync(Path.Combine(homes, "nobody"), null, "verify", "--bundle", bundle, "--public-key", key);
        Assert.True(offline.ExitCode == 0, offline.Out + offline.Error);
        Assert.Contains("verified", offline.Out, StringComparison.Ordinal);

        // One byte changed anywhere in a record's text: the bundle no longer verifies.
        var text = await File.ReadAllTextAsync(bundle);
        var at = text.IndexOf("ACC-000002", StringComparison.Ordinal);
        var edited = Path.Combine(homes, "edited.evidence.json");
        await File.WriteAllTextAsync(edited, text[..at] + "ACC-000003" + text[(at + 10)..]);
        var broken = await CliProcess.RunAsync(Path.Combine(homes, "nobody"), null, "verify", "--bundle", edited, "--public-key", key);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("BROKEN", broken.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edit", "changed", 2)]
    [InlineData("delete", "removed", 2)]
    [InlineData("insert", "inserted", 1)]
    [InlineData("reorder", "reordered", 1)]
    public async Task Verify_RecordTamperedInAzurite_NamesTheKindAndTheRecord(string tampering, string kind, long seq)
    {
        var runId = await RunSupportRoutingAsync();
        var table = new TableClient(azurite.ConnectionString, hub + "Evidence");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == runId))
        {
            rows.Add(row);
        }

        Assert.True(rows.Count >= 4, $"run {runId} has only {rows.Count} records");
        switch (tampering)
        {
            case "edit":
                rows[2]["Json"] = rows[2].GetString("Json")!.Replace("\"outcome\":\"", "\"outcome\":\"x", StringComparison.Ordinal);
                Assert.NotEqual(rows[2].GetString("Json"), (await table.GetEntityAsync<TableEntity>(runId, rows[2].RowKey)).Value.GetString("Json"));
                await table.UpdateEntityAsync(rows[2], Azure.ETag.All, TableUpdateMode.Replace);
                break;
            case "delete":
                await table.DeleteEntityAsync(runId, rows[2].RowKey);
                break;
            case "insert":
                var copy = new TableEntity(runId, rows[1].RowKey + "a") { ["Kind"] = rows[1]["Kind"], ["Json"] = rows[1]["Json"], ["Hash"] = rows[1]["Hash"] };
                await table.AddEntityAsync(copy);
                break;
            case "reorder":
                (rows[1]["Json"], rows[2]["Json"], rows[1]["Hash"], rows[2]["Hash"]) = (rows[2]["Json"], rows[1]["Json"], rows[2]["Hash"], rows[1]["Hash"]);
                await table.UpdateEntityAsync(rows[1], Azure.ETag.All, TableUpdateMode.Replace);
                await table.UpdateEntityAsync(rows[2], Azure.ETag.All, TableUpdateMode.Replace);
                break;
        }

        var verification = (await EvidenceAsync(runId)).GetProperty("verification");
        Assert.False(verification.GetProperty("intact").GetBoolean());
        var first = verification.GetProperty("breaks")[0];
        Assert.Equal(kind, first.GetProperty("kind").GetString());
        Assert.Equal(seq, first.GetProperty("seq").GetInt64());

        var cli = await CliAsync("ivan", "verify", runId);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains($"run {runId}: BROKEN", cli.Out, StringComparison.Ordinal);
        Assert.Contains($"seq {seq}", cli.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_SignedHeadChanged_IsDetected()
    {
        var runId = await RunSupportRoutingAsync();
        var heads = new TableClient(azurite.ConnectionString, hub + "EvidenceHeads");
        var row = (await heads.GetEntityAsync<TableEntity>("heads", runId)).Value;
        var head = JsonNode(row.GetString("Head")!);
        head["records"] = head["records"]!.GetValue<long>() - 1;
        row["Head"] = head.ToJsonString();
        await heads.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Replace);

        var cli = await CliAsync("ivan", "verify", runId);

        Assert.Equal(1, cli.ExitCode);
        Assert.Contains($"run {runId}: BROKEN", cli.Out, StringComparison.Ordinal);
        Assert.Contains("head", cli.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task VerifyAll_WholeRunsPartitionAndHeadDeleted_NamesTheMissingRun()
    {
        var kept = await RunSupportRoutingAsync();
        var deleted = await RunSupportRoutingAsync();
        var before = await CliAsync("ivan", "verify", "--all");
        Assert.True(before.ExitCode == 0, before.Out + before.Error);

        var records = new TableClient(azurite.ConnectionString, hub + "Evidence");
        await foreach (var row in records.QueryAsync<TableEntity>(e => e.PartitionKey == deleted))
        {
            await records.DeleteEntityAsync(deleted, row.RowKey);
        }

        await new TableClient(azurite.ConnectionString, hub + "EvidenceHeads").DeleteEntityAsync("heads", deleted);

        var after = await CliAsync("ivan", "verify", "--all");
        Assert.Equal(1, after.ExitCode);
        Assert.Contains($"missing run {deleted}", after.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(kept, after.Out, StringComparison.Ordinal);
        var one = await CliAsync("ivan", "verify", deleted);
        Assert.Equal(1, one.ExitCode);
    }

    [Fact]
    public async Task Purge_EvidenceYoungerThanItsRetention_IsRefusedAndKept()
    {
        var runId = await RunSupportRoutingAsync();
        Assert.Equal(0, (await CliAsync("olga", "login", "--dev", Olga, "--authority", dev.Authority)).ExitCode);

        var refused = await CliAsync("olga", "purge", runId);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("retention P180D runs until", refused.Error, StringComparison.Ordinal);

        var reader = await CliAsync("ivan", "purge", runId);
        Assert.Equal(5, reader.ExitCode);
        using var anonymous = await host.Anonymous.DeleteAsync($"/api/runs/{runId}/evidence");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, (await CliAsync("ivan", "verify", runId)).ExitCode);
    }

    [Fact]
    public async Task Purge_RetentionPassed_DeletesEvidenceAndLeavesATombstoneThatVerifies()
    {
        // A copy of workflows/ whose support-routing keeps evidence one second.
        var workflows = Path.Combine(homes, "workflows");
        Directory.CreateDirectory(workflows);
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "workflows")))
        {
            File.Copy(file, Path.Combine(workflows, Path.GetFileName(file)));
        }

        RepoPaths.CopyCatalogue(workflows);

        var routing = Path.Combine(workflows, "support-routing.yaml");
        await File.WriteAllTextAsync(routing, (await File.ReadAllTextAsync(routing)).Replace("retention: P180D", "retention: PT1S", StringComparison.Ordinal));
        await host.DisposeAsync();
        host = await StartHostAsync(workflows);

        var runId = await RunSupportRoutingAsync();
        Assert.Equal(0, (await CliAsync("olga", "login", "--dev", Olga, "--authority", dev.Authority)).ExitCode);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var dry = await CliAsync("olga", "purge", "--expired", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.Error);
        Assert.Contains($"would purge {runId}", dry.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await CliAsync("ivan", "verify", runId)).ExitCode); // a dry run deletes nothing

        var purged = await CliAsync("olga", "purge", runId);
        Assert.True(purged.ExitCode == 0, purged.Out + purged.Error);

        var records = new TableClient(azurite.ConnectionString, hub + "Evidence");
        await foreach (var left in records.QueryAsync<TableEntity>(e => e.PartitionKey == runId))
        {
            Assert.Fail($"record {left.RowKey} of purged run {runId} is still stored");
        }
        var verify = await CliAsync("ivan", "verify", runId);
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        Assert.Contains("purged after its retention (PT1S)", verify.Out, StringComparison.Ordinal);
        var all = await CliAsync("ivan", "verify", "--all");
        Assert.True(all.ExitCode == 0, all.Out + all.Error);
    }

    [Fact]
    public async Task Evidence_HostKilledWhileRunsAreMidway_NeitherLostNorDuplicated()
    {
        var runs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await StartAsync("support-routing", new { ticketId = "TCK-0000003" }));
        }

        await Task.Delay(TimeSpan.FromMilliseconds(1500));
        host.Kill(); // SIGKILL: activities in flight (appends among them) are retried by the next host
        await host.DisposeAsync();
        host = await StartHostAsync(null);

        foreach (var runId in runs)
        {
            await WaitFinishedAsync(runId);
            var records = Records(await EvidenceAsync(runId));
            Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.GetProperty("seq").GetInt64()));
            var kinds = records.Select(r => r.GetProperty("kind").GetString()).ToList();
            Assert.Equal("run-start", kinds[0]);
            Assert.Equal("run-end", kinds[^1]);
            Assert.Single(kinds, k => k == "run-start");
            var steps = records.Where(r => r.GetProperty("kind").GetString() == "step").Select(r => Data(r).GetProperty("stepId").GetString()).ToList();
            Assert.Equal(steps.Distinct().Count(), steps.Count);
        }

        var all = await CliAsync("ivan", "verify", "--all");
        Assert.True(all.ExitCode == 0, all.Out + all.Error);
    }

    [Fact]
    public async Task EvidenceApi_AnonymousOrWithoutTheReaderRole_IsRefused()
    {
        var runId = await RunSupportRoutingAsync();
        using var anonymous = await host.Anonymous.GetAsync($"/api/runs/{runId}/evidence");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var alice = host.As(await dev.SignInAsync(Alice));
        foreach (var path in new[] { $"/api/runs/{runId}/evidence", $"/api/runs/{runId}/evidence/bundle", "/api/evidence/log", "/api/evidence/head?from=1", "/api/evidence/runs", "/api/evidence/verify" })
        {
            using var response = await alice.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)response.StatusCode}");
            Assert.Contains("AgentOps.Investigator", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var ivan = host.As(await dev.SignInAsync(Ivan));
        using var badId = await ivan.GetAsync("/api/runs/a%2Fb/evidence");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        using var unknown = await ivan.GetAsync("/api/runs/no-such-run/evidence");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badDate = await ivan.GetAsync("/api/evidence/runs?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("'since'", await badDate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<HostProcess> StartHostAsync(string? workflows)
    {
        var settings = HostProcess.DefaultSettings(azurite, hub, dev);

        if (workflows is not null)
        {
            settings["AgentOps__Workflows__Path"] = workflows;
        }

        return await HostProcess.StartHealthyAsync(settings);
    }

    /// <summary>crm-followup with everything its gate sees: mallory refused (403), a hand-raised event ignored, bob approving.</summary>
    private async Task<string> RunCrmFollowupAsync()
    {
        var runId = await StartAsync("crm-followup", new { accountId = "ACC-000002" });
        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
        using (var mallory = host.As(await dev.SignInAsync(Mallory)))
        using (var refused = await mallory.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var raised = await host.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/approval",
            new StringContent("{\"approved\":true}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        }

        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("ignoredEvents").GetInt32() >= 2, Patience, "both ignored");
        using (var bob = host.As(await dev.SignInAsync(Bob)))
        using (var approved = await bob.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = "looks right" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        }

        await WaitFinishedAsync(runId);
        return runId;
    }

    private async Task<string> RunSupportRoutingAsync()
    {
        var runId = await StartAsync("support-routing", new { ticketId = "TCK-0000003" });
        await WaitFinishedAsync(runId);
        return runId;
    }

    private async Task WaitFinishedAsync(string runId)
    {
        var done = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());

        // The final head is logged by the run's last activity; the status may show it completed a moment before.
        for (var i = 0; i < 100 && !(await EvidenceAsync(runId)).GetProperty("verification").GetProperty("intact").GetBoolean(); i++)
        {
            await Task.Delay(100);
        }
    }

    private async Task<string> StartAsync(string workflow, object input)
    {
        using var alice = host.As(await dev.SignInAsync(Alice));
        using var response = await alice.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    private async Task<JsonElement> EvidenceAsync(string runId)
    {
        using var ivan = host.As(await dev.SignInAsync(Ivan));
        using var response = await ivan.GetAsync($"/api/runs/{runId}/evidence");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static List<JsonElement> Records(JsonElement evidence) =>
        [.. evidence.GetProperty("records").EnumerateArray().Select(r => JsonDocument.Parse(r.GetProperty("json").GetString()!).RootElement.Clone())];

    private static JsonElement Data(JsonElement record) => record.GetProperty("data");

    private static System.Text.Json.Nodes.JsonObject JsonNode(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();

    /// <summary>Each expected kind appears, in this order, among the kinds (others may come between).</summary>
    private static void AssertInOrder(IReadOnlyList<string> kinds, params string[] expected)
    {
        var at = 0;
        foreach (var kind in expected)
        {
            while (at < kinds.Count && kinds[at] != kind)
            {
                at++;
            }

            Assert.True(at < kinds.Count, $"'{kind}' missing or out of order in: {string.Join(", ", kinds)}");
            at++;
        }
    }

    private Task<(int ExitCode, string Out, string Error)> CliAsync(string person, params string[] args) =>
        CliProcess.RunAsync(Path.Combine(homes, person), host.BaseUrl, args);
}

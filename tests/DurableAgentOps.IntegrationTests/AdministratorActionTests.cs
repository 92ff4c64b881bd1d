using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Administrators' terminate, suspend, resume and purge of governed runs, through the instance API of a real host with
/// people signed in at the dev provider: each is a record of the run's evidence naming the administrator from the token,
/// the action, the reason and the time; a terminated run's chain is closed by the host and verifies; nobody else may do
/// any of it, and a refused request records nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdministratorActionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Alice = "alice@contoso.example";  // starter
    private const string Bob = "bob.manager@contoso.example"; // approves manager-review
    private const string Ivan = "ivan.investigator@contoso.example"; // investigator, reader
    private const string Olga = "olga.ops@contoso.example"; // administrator
    private const string OlgaObjectId = "0e000001-0000-4000-8000-000000000015";
    private const string Instances = "/runtime/webhooks/durabletask/instances";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly string hub = EngineHost.NewHubName();
    private readonly string homes = Path.Combine(Path.GetTempPath(), "agentops-admin-" + Guid.NewGuid().ToString("N"));
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, hub, dev));
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
    public async Task Terminate_AsAdministrator_RecordsWhoWhyAndWhenAndEndsTheChainVerified()
    {
        var runId = await StartAtGateAsync();

        // The body claims someone else: the record names the signed-in administrator, never what a body says.
        using (var olga = await AsAsync(Olga))
        using (var terminated = await olga.PostAsync($"{Instances}/{runId}/terminate?reason=wrong%20account",
            new StringContent("""{"principal":"someone-else","tid":"x","oid":"y"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        }

        var status = await GovernedRuns.WaitFinishedAsync(host, runId);
        Assert.Equal("Terminated", status.GetProperty("status").GetString());
        Assert.Equal("terminated", status.GetProperty("outcome").GetString());

        var records = await GovernedRuns.EvidenceAsync(host, runId);
        Assert.Single(records, r => r.GetProperty("kind").GetString() == "admin");
        Assert.Single(records, r => r.GetProperty("kind").GetString() == "run-end");
        var (action, end) = (records[^2], records[^1]);
        Assert.Equal("admin", action.GetProperty("kind").GetString());
        var data = action.GetProperty("data");
        Assert.Equal("terminate", data.GetProperty("action").GetString());
        Assert.EndsWith("/" + OlgaObjectId, data.GetProperty("principal").GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("Olga Ops", data.GetProperty("principal").GetProperty("name").GetString());
        Assert.Equal(OlgaObjectId, data.GetProperty("objectId").GetString());
        Assert.False(string.IsNullOrEmpty(data.GetProperty("tenantId").GetString()));
        Assert.Equal("wrong account", data.GetProperty("reason").GetString());
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(data.GetProperty("requestedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture) < Patience);
        Assert.Equal("run-end", end.GetProperty("kind").GetString());
        Assert.Equal("terminated", end.GetProperty("data").GetProperty("outcome").GetString());
        Assert.Equal(data.GetProperty("principal").GetProperty("id").GetString(), end.GetProperty("data").GetProperty("terminatedBy").GetProperty("id").GetString());

        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
        var cli = await CliAsync("ivan", "verify", runId);
        Assert.True(cli.ExitCode == 0, cli.Out + cli.Error);
        Assert.Contains($"run {runId}: verified", cli.Out, StringComparison.Ordinal);
        Assert.Contains(", final)", cli.Out, StringComparison.Ordinal);
        Assert.Contains("run ended by an administrator: terminated by Olga Ops", cli.Out, StringComparison.Ordinal);

        var runs = await CliAsync("ivan", "runs", "--status", "terminated", "--format", "json");
        Assert.True(runs.ExitCode == 0, runs.Error);
        var listed = JsonDocument.Parse(runs.Out).RootElement.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("runId").GetString() == runId);
        Assert.Equal("terminated", listed.GetProperty("summary").GetProperty("status").GetString());

        var timeline = await CliAsync("ivan", "timeline", runId);
        Assert.True(timeline.ExitCode == 0, timeline.Out + timeline.Error);
        Assert.Contains("run ended: terminated — terminated by Olga Ops", timeline.Out, StringComparison.Ordinal);

        // Repeated: the run has ended (410), and its chain gets no second record.
        using (var olga = await AsAsync(Olga))
        using (var again = await olga.PostAsync($"{Instances}/{runId}/terminate?reason=wrong%20account", null))
        {
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        }

        Assert.Equal(records.Count, (await GovernedRuns.EvidenceAsync(host, runId)).Count);
    }

    [Fact]
    public async Task SuspendResume_AsAdministrator_AreRecordedAndTheRunStillCompletes()
    {
        var runId = await StartAtGateAsync();
        using var olga = await AsAsync(Olga);

        using (var suspended = await olga.PostAsync($"{Instances}/{runId}/suspend?reason=checking%20the%20account", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, suspended.StatusCode);
        }

        await GovernedRuns.WaitAsync(host, runId, s => s.GetProperty("status").GetString() == "Suspended", "suspended");

        // Repeated (its answer lost, say): the same action, not a second one.
        using (var repeated = await olga.PostAsync($"{Instances}/{runId}/suspend?reason=checking%20the%20account", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, repeated.StatusCode);
        }

        using (var resumed = await olga.PostAsync($"{Instances}/{runId}/resume?reason=account%20is%20fine%1B%5B2J", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        }

        await GovernedRuns.WaitAsync(host, runId, s => s.GetProperty("status").GetString() == "Running", "running again");
        await GovernedRuns.ApproveAsync(host, dev, runId, Bob);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);
        Assert.Equal("completed", done.GetProperty("outcome").GetString());

        var records = await GovernedRuns.EvidenceAsync(host, runId);
        var kinds = records.Select(r => r.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["run-end", "admin", "admin"], kinds[^3..]);
        Assert.Equal(2, kinds.Count(k => k == "admin"));
        Assert.Equal("completed", records[^3].GetProperty("data").GetProperty("outcome").GetString());
        var (suspend, resume) = (records[^2].GetProperty("data"), records[^1].GetProperty("data"));
        Assert.Equal(("suspend", "checking the account"), (suspend.GetProperty("action").GetString(), suspend.GetProperty("reason").GetString()));
        Assert.Equal(("resume", "account is fine\u001b[2J"), (resume.GetProperty("action").GetString(), resume.GetProperty("reason").GetString()));
        Assert.All([suspend, resume], d => Assert.EndsWith("/" + OlgaObjectId, d.GetProperty("principal").GetProperty("id").GetString(), StringComparison.Ordinal));
        Assert.True(string.CompareOrdinal(suspend.GetProperty("requestedAt").GetString(), resume.GetProperty("requestedAt").GetString()) < 0);

        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
        var cli = await CliAsync("ivan", "verify", runId);
        Assert.True(cli.ExitCode == 0, cli.Out + cli.Error);
        Assert.Contains("suspended the run", cli.Out, StringComparison.Ordinal);
        Assert.Contains("resumed the run", cli.Out, StringComparison.Ordinal);
        Assert.Contains("reason: account is fine\\u001B[2J", cli.Out, StringComparison.Ordinal); // what an administrator typed cannot clear the terminal
        Assert.DoesNotContain('\u001b', cli.Out);
        Assert.DoesNotContain("run ended by an administrator", cli.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminate_SuspendedRun_RecordsTheSuspendBeforeTheTerminateThenTheRunEnd()
    {
        var runId = await StartAtGateAsync();
        using var olga = await AsAsync(Olga);
        using (var suspended = await olga.PostAsync($"{Instances}/{runId}/suspend?reason=hold", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, suspended.StatusCode);
        }

        await GovernedRuns.WaitAsync(host, runId, s => s.GetProperty("status").GetString() == "Suspended", "suspended");
        Assert.DoesNotContain(await GovernedRuns.EvidenceAsync(host, runId), r => r.GetProperty("kind").GetString() == "admin"); // the run still owns its chain

        using (var terminated = await olga.PostAsync($"{Instances}/{runId}/terminate?reason=not%20needed", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        }

        Assert.Equal("Terminated", (await GovernedRuns.WaitFinishedAsync(host, runId)).GetProperty("status").GetString());
        var records = await GovernedRuns.EvidenceAsync(host, runId);
        Assert.Equal(["admin", "admin", "run-end"], records.TakeLast(3).Select(r => r.GetProperty("kind").GetString()));
        Assert.Equal(["suspend", "terminate"], records.TakeLast(3).Take(2).Select(r => r.GetProperty("data").GetProperty("action").GetString()));
        Assert.Equal("not needed", records[^1].GetProperty("data").GetProperty("reason").GetString());
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
    }

    [Fact]
    public async Task Purge_AsAdministrator_RecordsThePurgeAndKeepsTheEvidence()
    {
        var runId = await StartAtGateAsync();
        await GovernedRuns.ApproveAsync(host, dev, runId, Bob);
        await GovernedRuns.WaitFinishedAsync(host, runId);
        var before = await GovernedRuns.EvidenceAsync(host, runId);

        using (var olga = await AsAsync(Olga))
        using (var purged = await olga.DeleteAsync($"{Instances}/{runId}"))
        {
            Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        }

        using (var gone = await host.Http.GetAsync($"{Instances}/{runId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        var after = await GovernedRuns.EvidenceAsync(host, runId);
        Assert.Equal(before.Select(r => r.GetRawText()), after.Take(before.Count).Select(r => r.GetRawText()));
        Assert.Equal(before.Count + 1, after.Count);
        var purge = after[^1];
        Assert.Equal("admin", purge.GetProperty("kind").GetString());
        Assert.Equal("purge", purge.GetProperty("data").GetProperty("action").GetString());
        Assert.EndsWith("/" + OlgaObjectId, purge.GetProperty("data").GetProperty("principal").GetProperty("id").GetString(), StringComparison.Ordinal);

        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
        var cli = await CliAsync("ivan", "verify", runId);
        Assert.True(cli.ExitCode == 0, cli.Out + cli.Error);
        Assert.Contains("purged the run's engine history", cli.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminate_RunWhoseEvidenceWasEditedInStorage_IsDoneButTheHostSignsNoHeadOverTheEdit()
    {
        var runId = await StartAtGateAsync();
        var table = new TableClient(azurite.ConnectionString, hub + "Evidence");
        var first = (await table.GetEntityAsync<TableEntity>(runId, 0.ToString("D12", System.Globalization.CultureInfo.InvariantCulture))).Value;
        first["Json"] = first.GetString("Json")!.Replace("Alice Martin", "Alice Mallory", StringComparison.Ordinal);
        await table.UpdateEntityAsync(first, Azure.ETag.All, TableUpdateMode.Replace);

        using (var olga = await AsAsync(Olga))
        using (var terminated = await olga.PostAsync($"{Instances}/{runId}/terminate?reason=edited", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
            var answer = await terminated.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("deferred", answer.GetProperty("evidence").GetString());
            Assert.Contains("changed at seq 0", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("Terminated", (await GovernedRuns.WaitFinishedAsync(host, runId)).GetProperty("status").GetString());
        var records = await GovernedRuns.EvidenceAsync(host, runId);
        Assert.DoesNotContain(records, r => r.GetProperty("kind").GetString() is "admin" or "run-end");
        Assert.Single(await ActionsAsync(runId)); // kept for when the evidence is sound again, never lost
        Assert.False((await GovernedRuns.VerifyAsync(host, runId)).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task PurgeByFilter_AsAdministrator_RecordsEachGovernedRunsPurge()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var runs = new List<string>();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var runId = await StartAtGateAsync();
            await GovernedRuns.ApproveAsync(host, dev, runId, Bob);
            await GovernedRuns.WaitFinishedAsync(host, runId);
            runs.Add(runId);
        }

        using (var olga = await AsAsync(Olga))
        using (var purged = await olga.DeleteAsync($"{Instances}?createdTimeFrom={Uri.EscapeDataString(from.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}"))
        {
            Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
            Assert.True((await purged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("instancesDeleted").GetInt32() >= 2);
        }

        foreach (var runId in runs)
        {
            var records = await GovernedRuns.EvidenceAsync(host, runId);
            Assert.Equal(["run-end", "admin"], records.TakeLast(2).Select(r => r.GetProperty("kind").GetString()));
            Assert.Equal("purge", records[^1].GetProperty("data").GetProperty("action").GetString());
            Assert.True((await GovernedRuns.VerifyAsync(host, runId)).GetProperty("intact").GetBoolean());
        }
    }

    [Theory]
    [InlineData(Alice, "POST", "terminate")]
    [InlineData(Alice, "POST", "suspend")]
    [InlineData(Ivan, "POST", "terminate")]
    [InlineData(Ivan, "POST", "resume")]
    [InlineData(Ivan, "DELETE", "")]
    public async Task Control_NotAnAdministrator_Is403AndRecordsNothing(string person, string method, string action)
    {
        var runId = await StartAtGateAsync();
        var before = await GovernedRuns.EvidenceAsync(host, runId);

        using (var client = await AsAsync(person))
        using (var refused = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method),
            action.Length == 0 ? $"{Instances}/{runId}" : $"{Instances}/{runId}/{action}?reason=not%20mine")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var status = await host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal(("Running", "awaiting-approval"), (status.GetProperty("status").GetString(), status.GetProperty("phase").GetString()));
        Assert.Empty(await ActionsAsync(runId));

        // The run goes on and ends as usual: no record of the refused request ever joins its chain.
        await GovernedRuns.ApproveAsync(host, dev, runId, Bob);
        await GovernedRuns.WaitFinishedAsync(host, runId);
        var after = await GovernedRuns.EvidenceAsync(host, runId);
        Assert.DoesNotContain(after, r => r.GetProperty("kind").GetString() == "admin");
        Assert.Equal("run-end", after[^1].GetProperty("kind").GetString());
        Assert.True(after.Count > before.Count);
    }

    [Fact]
    public async Task Terminate_OutsideTheInstanceApi_TheNextReadClosesTheChainNamingNoAdministrator()
    {
        // As a route that records nothing would (the Functions extension's own, or a client on the task hub).
        var runId = await StartAtGateAsync();
        await using (var reader = TaskHubReader.Open(azurite, hub))
        {
            await reader.Client.TerminateInstanceAsync(runId, "stopped on the hub");
        }

        var status = await GovernedRuns.WaitFinishedAsync(host, runId);
        Assert.Equal("Terminated", status.GetProperty("status").GetString());

        var records = await GovernedRuns.EvidenceAsync(host, runId);
        var end = records[^1];
        Assert.Equal("run-end", end.GetProperty("kind").GetString());
        Assert.Equal("terminated", end.GetProperty("data").GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, end.GetProperty("data").GetProperty("terminatedBy").ValueKind);
        Assert.Equal("stopped on the hub", end.GetProperty("data").GetProperty("reason").GetString());
        Assert.DoesNotContain(records, r => r.GetProperty("kind").GetString() == "admin");
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
        Assert.Single(records, r => r.GetProperty("kind").GetString() == "run-end");
    }

    [Fact]
    public async Task Terminate_HostDiedAfterTheEngineActed_TheNextReadRecordsTheAdministratorAndEndsTheChain()
    {
        // The window a crash leaves: the action recorded as requested and the engine's terminate done, no evidence yet.
        var runId = await StartAtGateAsync();
        await Store().RecordAsync(new Runtime.Stores.AdminAction(runId, string.Empty, Runtime.Stores.AdminAction.Terminate, "tenant/" + OlgaObjectId, "tenant",
            OlgaObjectId, "Olga Ops", Olga, "host died", DateTimeOffset.UtcNow, "instance-api"), CancellationToken.None);
        await using (var reader = TaskHubReader.Open(azurite, hub))
        {
            await reader.Client.TerminateInstanceAsync(runId, "host died");
            while ((await reader.Client.GetInstanceAsync(runId))?.RuntimeStatus != Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Terminated)
            {
                await Task.Delay(200);
            }
        }

        Assert.DoesNotContain(await GovernedRuns.EvidenceAsync(host, runId), r => r.GetProperty("kind").GetString() is "admin" or "run-end");

        var status = await host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");

        Assert.Equal("Terminated", status.GetProperty("status").GetString());
        var records = await GovernedRuns.EvidenceAsync(host, runId);
        Assert.Equal(["admin", "run-end"], records.TakeLast(2).Select(r => r.GetProperty("kind").GetString()));
        Assert.Equal("terminate", records[^2].GetProperty("data").GetProperty("action").GetString());
        Assert.Equal("tenant/" + OlgaObjectId, records[^1].GetProperty("data").GetProperty("terminatedBy").GetProperty("id").GetString());
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());

        // Read again: nothing is appended twice.
        await host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal(records.Count, (await GovernedRuns.EvidenceAsync(host, runId)).Count);
    }

    /// <summary>The host's actions table, as its own store writes it (the host's prefix is its hub name).</summary>
    private Runtime.Stores.AdminActionStore Store()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [Runtime.Stores.GovernanceStorage.PrefixSetting] = hub,
        }).Build();
        return new Runtime.Stores.AdminActionStore(Runtime.Stores.GovernanceStorage.FromConfiguration(configuration,
            Runtime.Engine.StorageConnection.FromConfiguration(configuration, "AzureWebJobsStorage")));
    }

    private async Task<string> StartAtGateAsync()
    {
        var runId = await GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" }, Alice);
        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "at its gate");
        return runId;
    }

    private async Task<HttpClient> AsAsync(string person) => host.As(await dev.SignInAsync(person));

    /// <summary>The administrators' actions the host recorded for the run (its table, read directly).</summary>
    private async Task<List<TableEntity>> ActionsAsync(string runId)
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(hub + "AdminActions");
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId}")))
            {
                rows.Add(row);
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: no action was ever recorded on this hub.
        }

        return rows;
    }

    private Task<(int ExitCode, string Out, string Error)> CliAsync(string person, params string[] args) =>
        CliProcess.RunAsync(Path.Combine(homes, person), host.BaseUrl, args);
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Workflow files run as governed runs against the sample systems: real Azurite, the real ManagedIdentityCredential
/// in the host process, real HTTP. Driven through the host's run API as the CLI and the demo drive it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GovernedRunTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly Core.Model.IdentityCatalogue Catalogue =
        WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml")).Catalogue;

    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        host = await HostProcess.StartHealthyAsync(Settings(EngineHost.NewHubName()));
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
    }

    [Fact]
    public async Task Run_CrmFollowup_EachStepActsUnderItsOwnCatalogueIdentity()
    {
        var runId = await StartAsync(host, "crm-followup", new { accountId = "ACC-000002" });
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");
        await ApproveAsync(host, runId, "bob.manager@contoso.example");
        var done = await WaitFinishedAsync(host, runId);

        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        foreach (var step in done.GetProperty("steps").EnumerateArray())
        {
            var identity = Catalogue.Find(step.GetProperty("identity").GetString()!)!;
            Assert.Equal(identity.ClientIds["local"], step.GetProperty("clientId").GetString());
        }

        var crm = await dev.RequestsAsync("crm");
        var reader = Catalogue.Find("crm-reader")!.ClientIds["local"];
        var writer = Catalogue.Find("crm-writer")!.ClientIds["local"];
        Assert.All(crm.Where(r => r.GetProperty("method").GetString() == "GET"), r => Assert.Equal(reader, r.GetProperty("subject").GetString()));
        var writes = crm.Where(r => r.GetProperty("method").GetString() == "POST").ToList();
        Assert.Equal(["crm.notes.create", "crm.tasks.create"], writes.Select(r => r.GetProperty("operation").GetString()).Order());
        Assert.All(writes, r => Assert.Equal(writer, r.GetProperty("subject").GetString()));
        var tasks = await dev.GetAsAsync(reader, "crm", "/crm/accounts/ACC-000002/tasks");
        Assert.Single(tasks!.AsArray());

        // The drafter took its own token, for the model only; the router took none.
        var tokens = await dev.TokenRequestsAsync();
        var drafter = Catalogue.Find("drafter")!.ClientIds["local"];
        Assert.Equal(["api://durableagentops/model"], tokens.Where(t => t.GetProperty("clientId").GetString() == drafter)
            .Select(t => t.GetProperty("resource").GetString()));
        Assert.DoesNotContain(tokens, t => t.GetProperty("clientId").GetString() == Catalogue.Find("router")!.ClientIds["local"]);
    }

    [Fact]
    public async Task Run_BadInput_Returns400NamingEachField()
    {
        using var alice = host.As(await dev.SignInAsync("alice@contoso.example"));
        var response = await alice.PostAsJsonAsync("/api/workflows/crm-followup/runs",
            new { input = new { accountId = "not-an-account", colour = "blue" } });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Order().ToList();
        Assert.Equal(["accountId", "colour"], fields);
        Assert.Empty(await dev.RequestsAsync());
    }

    [Fact]
    public async Task Approve_ByInitiator_IsRefusedAndRunKeepsWaiting()
    {
        var runId = await StartAsync(host, "crm-followup", new { accountId = "ACC-000002" });
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");

        using var alice = host.As(await dev.SignInAsync("alice@contoso.example"));
        var response = await alice.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true });
        var status = await host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
        Assert.DoesNotContain(await dev.RequestsAsync("crm"), r => r.GetProperty("method").GetString() == "POST");
    }

    [Fact]
    public async Task Write_ConnectionDroppedAfterCommit_TaskCreatedExactlyOnce()
    {
        await dev.InjectFaultAsync(new { path = "/crm/accounts/ACC-000002/tasks", mode = "drop-after-commit", count = 1 });

        var runId = await StartAsync(host, "crm-followup", new { accountId = "ACC-000002" });
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");
        await ApproveAsync(host, runId, "bob.manager@contoso.example");
        var done = await WaitFinishedAsync(host, runId);

        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        var taskPosts = (await dev.RequestsToAsync("crm", "/crm/accounts/ACC-000002/tasks")).Count(r => r.GetProperty("method").GetString() == "POST");
        Assert.True(taskPosts >= 2, $"expected the dropped request and its retry, saw {taskPosts} POSTs");
        var tasks = await dev.GetAsAsync(Catalogue.Find("crm-reader")!.ClientIds["local"], "crm", "/crm/accounts/ACC-000002/tasks");
        Assert.Single(tasks!.AsArray());
    }

    [Theory]
    [InlineData(409)] // the ticket changed under a concurrent writer (optimistic concurrency)
    [InlineData(503)]
    public async Task Write_FiveTransientFaultsInARow_StepRetriesUntilTheWriteLands(int status)
    {
        // support-routing's write step has no workflow retry block: only the client's own retries can save it.
        const string Assignment = "/support/tickets/TCK-0000003/assignment";
        await dev.InjectFaultAsync(new { path = Assignment, mode = "fail-before-commit", status, count = 5 });

        var runId = await StartAsync(host, "support-routing", new { ticketId = "TCK-0000003" });
        var done = await WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.GetProperty("failure").ToString());
        var puts = await dev.RequestsToAsync("support", Assignment);
        Assert.Equal([status, status, status, status, status, 200], puts.Select(r => r.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task Write_SecondCallFailsPastTheClientsRetries_TheStepsRetryBlockWritesTheWholeChangeOnce()
    {
        // crm-followup's write declares retry {maxAttempts: 5, backoff: PT30S}. The note fails more often than the
        // client retries one call, after the task went through: the step's retry must write the rest of the same
        // approved change, with the same keys, and the task exactly once.
        const string Notes = "/crm/accounts/ACC-000002/notes";
        var runId = await StartAsync(host, "crm-followup", new { accountId = "ACC-000002" });
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");
        await dev.InjectFaultAsync(new { path = Notes, mode = "fail-before-commit", status = 503, count = 8 });
        await ApproveAsync(host, runId, "bob.manager@contoso.example");

        var done = await WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.GetProperty("failure").ToString());
        var posts = await dev.RequestsToAsync("crm", Notes);
        Assert.Equal(Enumerable.Repeat(503, 8).Append(201), posts.Where(r => r.GetProperty("method").GetString() == "POST").Select(r => r.GetProperty("status").GetInt32()));
        var reader = Catalogue.Find("crm-reader")!.ClientIds["local"];
        Assert.Single((await dev.GetAsAsync(reader, "crm", "/crm/accounts/ACC-000002/tasks"))!.AsArray());
        Assert.Single((await dev.GetAsAsync(reader, "crm", Notes))!.AsArray());
    }

    [Fact]
    public async Task Write_SystemAnswersRetryAfter_NextAttemptWaitsThatLong()
    {
        const string Assignment = "/support/tickets/TCK-0000004/assignment";
        await dev.InjectFaultAsync(new { path = Assignment, mode = "fail-before-commit", status = 429, retryAfter = 2 });

        var runId = await StartAsync(host, "support-routing", new { ticketId = "TCK-0000004" });
        var done = await WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.GetProperty("failure").ToString());
        var puts = await dev.RequestsToAsync("support", Assignment);
        Assert.Equal([429, 200], puts.Select(r => r.GetProperty("status").GetInt32()));
        var waited = puts[1].GetProperty("time").GetDateTimeOffset() - puts[0].GetProperty("time").GetDateTimeOffset();
        Assert.True(waited >= TimeSpan.FromSeconds(1.9), $"retried after {waited.TotalMilliseconds:F0} ms; the system asked for 2 s");
    }

    [Fact]
    public async Task Write_SystemAsksToRetryAfterMinutes_StepFailsAtOnceNamingTheWait()
    {
        // Holding an activity for minutes is left to a step's retry block (a durable timer); this step has none.
        const string Assignment = "/support/tickets/TCK-0000004/assignment";
        await dev.InjectFaultAsync(new { path = Assignment, mode = "fail-before-commit", retryAfter = 120 });

        var runId = await StartAsync(host, "support-routing", new { ticketId = "TCK-0000004" });
        var done = await WaitFinishedAsync(host, runId);

        Assert.Equal("Failed", done.GetProperty("status").GetString());
        var failure = done.GetProperty("failure").ToString();
        Assert.Contains("write-assignment", failure, StringComparison.Ordinal);
        Assert.Contains("503 ServiceUnavailable (asked to retry after 120 s)", failure, StringComparison.Ordinal);
        Assert.Single(await dev.RequestsToAsync("support", Assignment));
    }

    [Fact]
    public async Task Write_SystemKeepsFailing_CircuitOpensAndTheNextRunFailsAtOnceNamingIt()
    {
        // Each run's write step (no retry block) fails through the client's retries; the second opens support's breaker.
        const string Assignment = "/support/tickets/TCK-0000003/assignment";
        await dev.InjectFaultAsync(new { path = Assignment, mode = "fail-before-commit", status = 503, count = 50 });

        var first = await WaitFinishedAsync(host, await StartAsync(host, "support-routing", new { ticketId = "TCK-0000003" }));
        var second = await WaitFinishedAsync(host, await StartAsync(host, "support-routing", new { ticketId = "TCK-0000003" }));

        Assert.Contains("503 ServiceUnavailable", first.GetProperty("failure").ToString(), StringComparison.Ordinal);
        var failure = second.GetProperty("failure").ToString();
        Assert.Contains("write-assignment", failure, StringComparison.Ordinal);
        Assert.Contains("support is failing: calls to it are paused after repeated failures (circuit open", failure, StringComparison.Ordinal);
        Assert.Equal(7 + 1, (await dev.RequestsToAsync("support", Assignment)).Count); // the first run's attempts, then one

        // Calls to another system go on.
        var crm = await StartAsync(host, "crm-followup", new { accountId = "ACC-000002" });
        await WaitAsync(host, crm, s => s.GetProperty("phase").GetString() == "awaiting-approval");
    }

    [Fact]
    public async Task Write_HostKilledAfterCommitBeforeResultSaved_NextHostAppliesNothingTwice()
    {
        // This test owns its hosts: the first is the test host, which dies right after the CRM committed the task.
        var hub = EngineHost.NewHubName();
        await using var doomed = await HostProcess.StartHealthyAsync(Settings(hub, ("TestHost__KillAfterWriteStep", "write-followup")), testHost: true);
        var runId = await StartAsync(doomed, "crm-followup", new { accountId = "ACC-000002" });
        await WaitAsync(doomed, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");
        await ApproveAsync(doomed, runId, "bob.manager@contoso.example");
        Assert.NotEqual(0, await doomed.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        await using var next = await HostProcess.StartHealthyAsync(Settings(hub));
        var done = await WaitFinishedAsync(next, runId);

        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        var reader = Catalogue.Find("crm-reader")!.ClientIds["local"];
        Assert.Single((await dev.GetAsAsync(reader, "crm", "/crm/accounts/ACC-000002/tasks"))!.AsArray());
        Assert.Single((await dev.GetAsAsync(reader, "crm", "/crm/accounts/ACC-000002/notes"))!.AsArray());
    }

    [Fact]
    public async Task Runs_ManyOnOneHost_AtMostOneTokenRequestPerIdentityAndResource()
    {
        // P3/P4 tickets need no approval: each run reads, drafts, routes and writes on its own.
        var runs = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            runs.Add(await StartAsync(host, "support-routing", new { ticketId = i % 2 == 0 ? "TCK-0000003" : "TCK-0000004" }));
        }

        foreach (var runId in runs)
        {
            var done = await WaitFinishedAsync(host, runId);
            Assert.True(done.GetProperty("outcome").GetString() == "completed", done.GetProperty("failure").ToString());
        }

        var counts = await dev.TokenRequestsAsync();
        Assert.NotEmpty(counts);
        Assert.All(counts, c => Assert.Equal(1, c.GetProperty("count").GetInt32()));
        Assert.Equal(3, counts.Count); // support-reader, drafter (model), support-writer
    }

    private Dictionary<string, string?> Settings(string hub, params (string Key, string Value)[] extra)
    {
        var settings = HostProcess.DefaultSettings(azurite, hub, dev);

        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private async Task<string> StartAsync(HostProcess host, string workflow, object input)
    {
        using var alice = host.As(await dev.SignInAsync("alice@contoso.example"));
        var response = await alice.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    private async Task ApproveAsync(HostProcess host, string runId, string approver)
    {
        using var client = host.As(await dev.SignInAsync(approver));
        var response = await client.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = "ok" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private static Task<JsonElement> WaitAsync(HostProcess host, string runId, Func<JsonElement, bool> condition) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", condition, Patience, "in the awaited state");

    private static Task<JsonElement> WaitFinishedAsync(HostProcess host, string runId) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
}

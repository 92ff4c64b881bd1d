using System.Net;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// An approved change is applied whole: a write of several calls that stops part way (the CRM keeps failing the second
/// call past every retry) does not end the run; it waits in phase write-incomplete, saying exactly which calls were made
/// and which were not, until an administrator resumes it with `agentops resume` once the system is back. The same
/// approved change is sent with the same idempotency keys, with no new approval: nothing is written twice, and the
/// ledger says who resumed and when. A copy of crm-followup whose write retries twice, two seconds apart.
/// </summary>
[Collection(AzuriteFaultsCollection.Name)]
public sealed class WholeWriteTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Notes = "/crm/accounts/ACC-000002/notes";
    private const string Tasks = "/crm/accounts/ACC-000002/tasks";
    private const string Olga = "olga.ops@contoso.example";

    private readonly string workflows = Directory.CreateTempSubdirectory("agentops-whole-").FullName;
    private readonly string homes = Directory.CreateTempSubdirectory("agentops-whole-cli-").FullName;
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        RepoPaths.CopyCatalogue(workflows);
        var crm = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "workflows", "crm-followup.yaml"));
        const string Declared = "    retry:\n      maxAttempts: 5\n      backoff: PT30S\n";
        Assert.Contains(Declared, crm, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(workflows, "crm-followup.yaml"), crm.Replace(Declared, "    retry:\n      maxAttempts: 2\n      backoff: PT2S\n", StringComparison.Ordinal));
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        settings["AgentOps__Workflows__Path"] = workflows;
        host = await HostProcess.StartHealthyAsync(settings);
        Assert.Equal(0, (await CliAsync("olga", "login", "--dev", Olga, "--authority", dev.Authority)).ExitCode);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
        Directory.Delete(workflows, recursive: true);
        Directory.Delete(homes, recursive: true);
    }

    [Fact]
    public async Task Write_SecondCallFailsPastEveryRetry_RunWaitsNamingTheCallsMadeAndAnAdministratorResumesItWhole()
    {
        var runId = await GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" });
        await GovernedRuns.WaitPhaseAsync(host, runId, "awaiting-approval");
        await dev.InjectFaultAsync(new { path = Notes, method = "POST", mode = "fail-before-commit", status = 503, count = 1000 });
        await GovernedRuns.ApproveAsync(host, dev, runId);

        var parked = await GovernedRuns.WaitPhaseAsync(host, runId, "write-incomplete");
        var incomplete = parked.GetProperty("incomplete");
        Assert.Equal("Running", parked.GetProperty("status").GetString());
        Assert.Equal(["crm.tasks.create"], Names(incomplete.GetProperty("calls").GetProperty("made")));
        Assert.Equal(["crm.notes.create"], Names(incomplete.GetProperty("calls").GetProperty("failed")));
        Assert.Empty(Names(incomplete.GetProperty("calls").GetProperty("notSent")));
        // The last attempt's cause: the CRM's 503s, or its circuit, opened by them.
        Assert.Matches("503 ServiceUnavailable|crm is failing: calls to it are paused", incomplete.GetProperty("reason").GetString());
        var inLedger = (await GovernedRuns.EvidenceAsync(host, runId)).Single(r => r.GetProperty("kind").GetString() == "write-incomplete");
        Assert.True(Names(inLedger.GetProperty("data").GetProperty("calls").GetProperty("made")) is ["crm.tasks.create"], inLedger.ToString());

        // Not an administrator: refused, and the run still waits. Then the system is back and Olga resumes it.
        using (var bob = host.As(await dev.SignInAsync("bob.manager@contoso.example")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync($"/api/runs/{runId}/resume", null)).StatusCode);
        }

        // The CRM is back; this host's circuit for it lets calls through again after its pause.
        await dev.ClearFaultsAsync();
        await Task.Delay(Runtime.Connectors.SystemCallResilience.BreakDuration + TimeSpan.FromSeconds(1));
        var resumed = await CliAsync("olga", "resume", runId);
        Assert.True(resumed.ExitCode == 0, resumed.Out + resumed.Error);
        Assert.Contains("made:          crm.tasks.create", resumed.Out, StringComparison.Ordinal);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        Assert.Equal(1, await GovernedRuns.RecordsAsync(dev, "crm", Tasks, "crm-reader"));
        Assert.Equal(1, await GovernedRuns.RecordsAsync(dev, "crm", Notes, "crm-reader"));
        Assert.True(await GovernedRuns.AnsweredAsync(dev, "crm", Tasks) >= 2, "the resume sent the task again, under its key, and the CRM answered it from its record");
        var records = await GovernedRuns.EvidenceAsync(host, runId);
        var resume = records.Single(r => r.GetProperty("kind").GetString() == "resume");
        Assert.Equal("Olga Ops", resume.GetProperty("data").GetProperty("principal").GetProperty("name").GetString());
        Assert.Equal(1, records.Count(r => r.GetProperty("kind").GetString() == "decision")); // no new approval
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());

        // Nothing left to resume: a second resume is a 409 that names the run's state.
        var again = await CliAsync("olga", "resume", runId);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("only a run in phase write-incomplete can be resumed", again.Error + again.Out, StringComparison.Ordinal);

        // An investigator replays it, from its history and from its ledger alone: each failed attempt, the backoff
        // between them, the park and the resume come back as the run met them.
        Assert.Contains(records, r => r.GetProperty("kind").GetString() == "write-attempt");
        using var ivan = host.As(await dev.SignInAsync("ivan.investigator@contoso.example"));
        using var fromHistory = await ivan.GetAsync($"/api/runs/{runId}/replay");
        var history = await fromHistory.Content.ReadAsStringAsync();
        Assert.True(fromHistory.IsSuccessStatusCode && JsonDocument.Parse(history).RootElement.GetProperty("sameDecisions").GetBoolean(), history);
        using var bundle = await ivan.GetAsync($"/api/runs/{runId}/evidence/bundle");
        var bundleText = await bundle.Content.ReadAsStringAsync();
        Assert.True(bundle.IsSuccessStatusCode, bundleText);
        using var fromLedger = await ivan.PostAsync("/api/replay", new StringContent(bundleText, System.Text.Encoding.UTF8, "application/json"));
        var ledger = await fromLedger.Content.ReadAsStringAsync();
        var replayed = JsonDocument.Parse(ledger).RootElement;
        Assert.True(fromLedger.IsSuccessStatusCode && replayed.GetProperty("sameDecisions").GetBoolean(), ledger);
        Assert.Equal("bundle", replayed.GetProperty("source").GetString());
        Assert.Equal(replayed.GetProperty("report").GetProperty("itemsRecorded").GetInt32(), replayed.GetProperty("report").GetProperty("itemsReplayed").GetInt32());
    }

    [Fact]
    public async Task Resume_RaisedDirectlyOnTheInstanceApi_IsIgnoredAndTheRunKeepsWaiting()
    {
        var runId = await GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" });
        await GovernedRuns.WaitPhaseAsync(host, runId, "awaiting-approval");
        await dev.InjectFaultAsync(new { path = Notes, method = "POST", mode = "fail-before-commit", status = 503, count = 1000 });
        await GovernedRuns.ApproveAsync(host, dev, runId);
        var parked = await GovernedRuns.WaitPhaseAsync(host, runId, "write-incomplete");
        var resumeId = parked.GetProperty("incomplete").GetProperty("resumeId").GetString();

        // The right id, but never recorded by the service for an administrator: fail closed.
        using var raised = await host.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/resume",
            JsonContent(new { resumeId }));
        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        var ignored = await GovernedRuns.WaitAsync(host, runId, s => s.GetProperty("ignoredEvents").GetInt32() >= 1, "the event judged");

        Assert.Equal("write-incomplete", ignored.GetProperty("phase").GetString());
        Assert.Equal(0, await GovernedRuns.RecordsAsync(dev, "crm", Notes, "crm-reader"));
        Assert.Contains(await GovernedRuns.EvidenceAsync(host, runId), r => r.GetProperty("kind").GetString() == "ignored-event");
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private static List<string> Names(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private Task<(int ExitCode, string Out, string Error)> CliAsync(string person, params string[] args) =>
        CliProcess.RunAsync(Path.Combine(homes, person), host.BaseUrl, args);
}

using System.Net;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Storage stopped under a running host (its own Azurite, on disk): every route answers 503 with Retry-After, never a
/// 500; started again, the host answers as before and its runs go on where they were.
/// </summary>
[Collection(AzuriteFaultsCollection.Name)]
public sealed class StorageOutageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Routes_StorageStopped_Answer503WithRetryAfterThenRecover()
    {
        await using var storage = await AzuriteFixture.StartOnDiskAsync();
        var settings = HostProcess.DefaultSettings(storage, EngineHost.NewHubName());
        await using var host = await HostProcess.StartHealthyAsync(settings);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync("/api/runs/no-such-run")).StatusCode);

        await storage.StopAsync();
        var answers = new Dictionary<string, HttpResponseMessage>();
        foreach (var path in new[] { "/api/runs/no-such-run", "/api/evidence/runs", "/api/evidence/verify?run=no-such-run", "/runtime/webhooks/durabletask/instances" })
        {
            answers[path] = await host.Http.GetAsync(path);
        }

        await storage.StartAgainAsync();
        await host.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        var after = await host.Http.GetAsync("/api/runs/no-such-run");

        Assert.All(answers, a =>
        {
            Assert.True(a.Value.StatusCode == HttpStatusCode.ServiceUnavailable, $"{a.Key}: {(int)a.Value.StatusCode} {a.Value.Content.ReadAsStringAsync().Result}");
            Assert.Equal(TimeSpan.FromSeconds(10), a.Value.Headers.RetryAfter?.Delta);
            Assert.Contains("Storage is unavailable.", a.Value.Content.ReadAsStringAsync().Result, StringComparison.Ordinal);
        });
        Assert.True(after.StatusCode == HttpStatusCode.NotFound, $"after the restart: {(int)after.StatusCode} {await after.Content.ReadAsStringAsync()}; host output: {host.Output}");
        Assert.DoesNotContain("AccountKey", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Reliability")]
    public async Task Runs_StorageRestartedMidRun_ResumeAndWriteOnceWithLedgersThatVerify()
    {
        // One run parked at its gate, one in flight (it needs no approval) when storage goes away for a while.
        await using var storage = await AzuriteFixture.StartOnDiskAsync();
        await using var dev = await DevServicesProcess.StartAsync(azurite);
        var settings = HostProcess.DefaultSettings(storage, EngineHost.NewHubName(), dev);
        await using var host = await HostProcess.StartHealthyAsync(settings);
        var parked = await GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" });
        await GovernedRuns.WaitPhaseAsync(host, parked, "awaiting-approval");
        var moving = await GovernedRuns.StartAsync(host, dev, "support-routing", new { ticketId = "TCK-0000003" });

        await storage.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(8));
        await storage.StartAgainAsync();
        await host.WaitHealthyAsync(TimeSpan.FromSeconds(60));

        var back = await host.GetJsonAsync<System.Text.Json.JsonElement>($"/api/runs/{parked}");
        Assert.True(back.GetProperty("phase").GetString() == "awaiting-approval", $"{back}; host output: {host.Output}");
        await GovernedRuns.ApproveAsync(host, dev, parked);
        var first = await GovernedRuns.WaitFinishedAsync(host, parked);
        var second = await GovernedRuns.WaitFinishedAsync(host, moving);

        Assert.True(first.GetProperty("outcome").GetString() == "completed", first.ToString());
        Assert.True(second.GetProperty("outcome").GetString() == "completed", second.ToString());
        Assert.Equal(1, await GovernedRuns.RecordsAsync(dev, "crm", "/crm/accounts/ACC-000002/tasks", "crm-reader"));
        Assert.Equal(1, await GovernedRuns.AnsweredAsync(dev, "support", "/support/tickets/TCK-0000003/assignment", "PUT"));
        foreach (var run in new[] { parked, moving })
        {
            var verified = await GovernedRuns.VerifyAsync(host, run);
            Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
        }
    }
}

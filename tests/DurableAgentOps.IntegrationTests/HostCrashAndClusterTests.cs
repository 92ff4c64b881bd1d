using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Host processes on one task hub: a killed host's work is finished by another; two hosts share the work;
/// a graceful stop finishes in-flight work. The test host runs a probe orchestration (slow steps, an event, one more
/// step) beside the product's; the probe is started through a client on the task hub, watched and sent its event
/// through the host's instance API, as an operator would.
/// </summary>
[Collection(AzuriteFaultsCollection.Name)]
public sealed class HostCrashAndClusterTests(AzuriteFixture azurite)
{
    private const string Instances = "/runtime/webhooks/durabletask/instances";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task KilledHost_MidOrchestration_NewHostProcessFinishesRun()
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName());
        string id;
        int firstPid;
        await using (var first = await HostProcess.StartHealthyAsync(settings, testHost: true))
        {
            firstPid = first.Id;
            id = await StartProbeAsync(settings, stepDelayMs: 1500);
            await WaitUntilAsync(first, id, s => StepCount(s) >= 1, "first step done");
            first.Kill(); // SIGKILL between/inside steps: nothing is flushed, no lease released
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await using var second = await HostProcess.StartHealthyAsync(settings, testHost: true);
        await WaitUntilAsync(second, id, s => Phase(s) == "awaiting-approval", "awaiting approval on the new host");
        await ApproveAsync(second, id);
        var done = await WaitUntilAsync(second, id, s => s.GetProperty("runtimeStatus").GetString() == "Completed", "completed");

        var steps = done.GetProperty("output").GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["read", "draft", "route", "notify", "write"], steps.Select(s => s.GetProperty("step").GetString()));
        Assert.Contains(steps, s => s.GetProperty("worker").GetString()!.EndsWith($"-{firstPid}", StringComparison.Ordinal));
        // Before the approval, not only the write after it: the new host took over the orphaned run.
        Assert.Contains(steps.Take(4), s => s.GetProperty("worker").GetString()!.EndsWith($"-{second.Id}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoHosts_OneKilled_BothTookWorkAndSurvivorFinishesEverything()
    {
        // Two activities at a time per host: 16 runs of 200 ms steps queue seconds of work, more than either host's
        // 1 s queue poll, so the second host is sure to take some even if the first started polling earlier.
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName());
        settings["AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions"] = "2";
        await using var a = await HostProcess.StartHealthyAsync(settings, testHost: true);
        await using var b = await HostProcess.StartHealthyAsync(settings, testHost: true);

        var ids = new List<string>();
        for (var i = 0; i < 16; i++)
        {
            ids.Add(await StartProbeAsync(settings, stepDelayMs: 200));
        }

        foreach (var id in ids)
        {
            await WaitUntilAsync(b, id, s => Phase(s) == "awaiting-approval", "awaiting approval");
        }

        var workersBefore = new HashSet<string>();
        foreach (var id in ids)
        {
            var status = await b.GetJsonAsync<JsonElement>($"{Instances}/{id}");
            foreach (var step in status.GetProperty("customStatus").GetProperty("steps").EnumerateArray())
            {
                workersBefore.Add(step.GetProperty("worker").GetString()!);
            }
        }

        a.Kill();
        await a.WaitForExitAsync(TimeSpan.FromSeconds(10));
        foreach (var id in ids)
        {
            await ApproveAsync(b, id);
        }

        foreach (var id in ids)
        {
            var done = await WaitUntilAsync(b, id, s => s.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed", "finished");
            Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
            Assert.Equal(5, done.GetProperty("output").GetProperty("steps").GetArrayLength());
        }

        Assert.Contains(workersBefore, w => w.EndsWith($"-{a.Id}", StringComparison.Ordinal));
        Assert.Contains(workersBefore, w => w.EndsWith($"-{b.Id}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GracefulStop_DuringActivity_ActivityFinishesOnStoppingHostAndNextHostContinues()
    {
        var hub = EngineHost.NewHubName();
        var settings = HostProcess.DefaultSettings(azurite, hub);
        string id;
        int firstPid;
        await using (var first = await HostProcess.StartHealthyAsync(settings, testHost: true))
        {
            firstPid = first.Id;
            id = await StartProbeAsync(settings, stepDelayMs: 3000);
            await WaitUntilAsync(first, id, s => StepCount(s) >= 1, "first step done");
            await WaitUntilWorkItemTakenAsync(hub); // the second step's activity is running, not still queued
            await first.StopAsync(); // SIGTERM while the second step's activity is running
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        }

        await using var second = await HostProcess.StartHealthyAsync(settings, testHost: true);
        await WaitUntilAsync(second, id, s => Phase(s) == "awaiting-approval", "awaiting approval on the next host");
        await ApproveAsync(second, id);
        var done = await WaitUntilAsync(second, id, s => s.GetProperty("runtimeStatus").GetString() == "Completed", "completed");

        var steps = done.GetProperty("output").GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(5, steps.Count);
        // The step in flight at SIGTERM was finished by the stopping host, not abandoned and run again.
        Assert.EndsWith($"-{firstPid}", steps[1].GetProperty("worker").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Waits until the hub's work-item queue shows no message: the one host alive has taken the activity the
    /// orchestrator scheduled (DTFx enqueues it before the status that shows the previous step is written).
    /// </summary>
    private async Task WaitUntilWorkItemTakenAsync(string hub)
    {
        var queue = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, $"{hub.ToLowerInvariant()}-workitems");
        var deadline = DateTime.UtcNow + Patience;
        while ((await queue.PeekMessagesAsync(1)).Value.Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no host took the work item queued in {hub}");
            await Task.Delay(50);
        }
    }

    /// <summary>Schedules a probe run on the settings' task hub through a client that runs no work itself.</summary>
    private async Task<string> StartProbeAsync(IDictionary<string, string?> settings, int stepDelayMs)
    {
        await using var hub = TaskHubReader.Open(azurite, settings["AzureFunctionsJobHost__extensions__durableTask__hubName"]!);
        return await hub.Client.ScheduleNewOrchestrationInstanceAsync("ProbeOrchestrator", new { stepDelayMs, approvalTimeoutSeconds = 600 });
    }

    private static async Task ApproveAsync(HostProcess host, string id)
    {
        var response = await host.Http.PostAsJsonAsync($"{Instances}/{id}/raiseEvent/approval",
            new { approved = true, approver = "ops@contoso.example" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    private static Task<JsonElement> WaitUntilAsync(HostProcess host, string id, Func<JsonElement, bool> condition, string what) =>
        host.WaitForJsonAsync($"{Instances}/{id}", condition, Patience, what);

    private static string? Phase(JsonElement status) =>
        status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
            ? custom.GetProperty("phase").GetString()
            : null;

    private static int StepCount(JsonElement status) =>
        status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
            ? custom.GetProperty("steps").GetArrayLength()
            : 0;
}

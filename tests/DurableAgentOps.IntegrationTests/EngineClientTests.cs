using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.IntegrationTests;

/// <summary>Every operation of the engine's <see cref="DurableTaskClient"/>, against real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EngineClientTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private EngineHost engine = null!;

    private DurableTaskClient Client => engine.Client;

    public async Task InitializeAsync() => engine = await EngineHost.StartAsync(azurite, TestTasks.Register);

    public async Task DisposeAsync() => await engine.DisposeAsync();

    [Fact]
    public async Task Schedule_WithIdTagsAndStartTime_StartsNoEarlierAndKeepsTags()
    {
        var startAt = DateTimeOffset.UtcNow.AddSeconds(4);
        var options = new StartOrchestrationOptions("scheduled-" + Guid.NewGuid().ToString("N"), startAt)
        {
            Tags = new Dictionary<string, string> { ["team"] = "finance" },
        };

        var id = await Client.ScheduleNewOrchestrationInstanceAsync("Echo", "hi", options);
        var pending = await Client.GetInstanceAsync(id);
        var done = await WaitAsync(id);

        Assert.Equal(options.InstanceId, id);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, pending!.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        // Queue delays are whole seconds: a scheduled start is honoured to the second.
        Assert.True(done.LastUpdatedAt >= startAt.AddSeconds(-1), $"completed at {done.LastUpdatedAt:O}, before its start time {startAt:O}");
        Assert.Equal("finance", done.Tags["team"]);
    }

    [Fact]
    public async Task Schedule_SameIdWhileRunning_IsRefused()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo", null, new StartOrchestrationOptions("dup-" + Guid.NewGuid().ToString("N")));
        await Client.WaitForInstanceStartAsync(id);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo", null, new StartOrchestrationOptions(id)));
        Assert.Contains(id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RaiseEvent_OrchestrationWaiting_CompletesWithPayload()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        var started = await Client.WaitForInstanceStartAsync(id);
        await Client.RaiseEventAsync(id, "go", "now");
        var done = await WaitAsync(id);

        Assert.NotEqual(OrchestrationRuntimeStatus.Pending, started.RuntimeStatus);
        Assert.Equal("got:now", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task GetInstance_WithAndWithoutPayloads_ReturnsPayloadsOnlyWhenAsked()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("Echo", "payload");
        await WaitAsync(id);

        var bare = await Client.GetInstanceAsync(id, getInputsAndOutputs: false);
        var full = await Client.GetInstanceAsync(id, getInputsAndOutputs: true);

        Assert.Null(bare!.SerializedInput);
        Assert.Null(bare.SerializedOutput);
        Assert.Equal("payload", full!.ReadInputAs<string>());
        Assert.Equal("echo:payload", full.ReadOutputAs<string>());
        Assert.Null(await Client.GetInstanceAsync("no-such-instance"));
    }

    [Fact]
    public async Task Query_ByPrefixAndStatusInPages_ReturnsEachMatchOnce()
    {
        var prefix = "q" + Guid.NewGuid().ToString("N")[..8] + "-";
        for (var i = 0; i < 5; i++)
        {
            await WaitAsync(await Client.ScheduleNewOrchestrationInstanceAsync("Echo", $"{i}", new StartOrchestrationOptions(prefix + i)));
        }

        var waiting = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo", null, new StartOrchestrationOptions(prefix + "w"));
        await Client.WaitForInstanceStartAsync(waiting);

        var completed = new OrchestrationQuery { InstanceIdPrefix = prefix, Statuses = [OrchestrationRuntimeStatus.Completed], PageSize = 2 };
        var pages = new List<Page<OrchestrationMetadata>>();
        await foreach (var page in Client.GetAllInstancesAsync(completed).AsPages(pageSizeHint: 2))
        {
            pages.Add(page);
        }

        var ids = pages.SelectMany(p => p.Values).Select(m => m.InstanceId).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => prefix + i).Order(), ids.Order());
        Assert.True(pages.Count >= 3, $"expected at least 3 pages of 2, got {pages.Count}");
        var running = new List<string>();
        await foreach (var m in Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix, Statuses = [OrchestrationRuntimeStatus.Running] }))
        {
            running.Add(m.InstanceId);
        }

        Assert.Equal([waiting], running);
    }

    [Fact]
    public async Task Terminate_RunningInstance_EndsTerminatedWithReason()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await Client.WaitForInstanceStartAsync(id);
        await Client.TerminateInstanceAsync(id, "operator stop");
        var done = await WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, done.RuntimeStatus);
        Assert.Contains("operator stop", done.SerializedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuspendResume_EventWhileSuspended_IsHeldUntilResumed()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await Client.WaitForInstanceStartAsync(id);
        await Client.SuspendInstanceAsync(id, "hold");
        await WaitForStatusAsync(id, OrchestrationRuntimeStatus.Suspended);
        await Client.RaiseEventAsync(id, "go", "later");
        await Task.Delay(1500); // long enough for the event to be processed if suspension did not hold it
        var stillSuspended = await Client.GetInstanceAsync(id);

        await Client.ResumeInstanceAsync(id, "release");
        var done = await WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Suspended, stillSuspended!.RuntimeStatus);
        Assert.Equal("got:later", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Purge_OneFinishedInstance_RemovesIt()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("Echo", "x");
        await WaitAsync(id);

        var result = await Client.PurgeInstanceAsync(id);

        Assert.Equal(1, result.PurgedInstanceCount);
        Assert.Null(await Client.GetInstanceAsync(id));
    }

    [Fact]
    public async Task Purge_RunningInstance_IsRefused()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await Client.WaitForInstanceStartAsync(id);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Client.PurgeInstanceAsync(id));
        Assert.NotNull(await Client.GetInstanceAsync(id));
    }

    [Fact]
    public async Task PurgeAll_ByCreatedTimeAndStatus_RemovesOnlyMatches()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var finished = await Client.ScheduleNewOrchestrationInstanceAsync("Echo", "a");
        await WaitAsync(finished);
        var running = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await Client.WaitForInstanceStartAsync(running);

        var result = await Client.PurgeAllInstancesAsync(new PurgeInstancesFilter(from, null, [OrchestrationRuntimeStatus.Completed]));

        Assert.True(result.PurgedInstanceCount >= 1);
        Assert.Null(await Client.GetInstanceAsync(finished));
        Assert.NotNull(await Client.GetInstanceAsync(running));
    }

    [Fact]
    public async Task History_FinishedRun_ListsStartEventsAndCompletion()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await Client.WaitForInstanceStartAsync(id);
        await Client.RaiseEventAsync(id, "go", "h");
        await WaitAsync(id);

        var history = await Client.GetOrchestrationHistoryAsync(id);
        var types = history.Select(e => e.EventType.ToString()).ToList();

        Assert.Equal("ExecutionStarted", types.First(t => t != "OrchestratorStarted"));
        Assert.Contains("EventRaised", types);
        Assert.Contains("ExecutionCompleted", types);
        var raised = Assert.IsType<DurableTask.Core.History.EventRaisedEvent>(history.Single(e => e.EventType.ToString() == "EventRaised"));
        Assert.Equal("go", raised.Name);
    }

    [Fact]
    public async Task Restart_FinishedInstance_RunsAgainWithSameInput()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("Echo", "again");
        await WaitAsync(id);

        var newId = await Client.RestartAsync(id, restartWithNewInstanceId: true);

        Assert.NotEqual(id, newId);
        Assert.Equal("echo:again", (await WaitAsync(newId)).ReadOutputAs<string>());
    }

    [Fact]
    public void Entities_AnyUse_ThrowsNotSupportedNamingEngine()
    {
        var error = Assert.Throws<NotSupportedException>(() => Client.Entities);

        Assert.Contains("entities are not supported", error.Message, StringComparison.Ordinal);
    }

    private Task<OrchestrationMetadata> WaitAsync(string id) => engine.WaitForCompletionAsync(id);

    private async Task WaitForStatusAsync(string id, OrchestrationRuntimeStatus status)
    {
        var deadline = DateTime.UtcNow + Patience;
        while ((await Client.GetInstanceAsync(id))?.RuntimeStatus != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} never reached {status}");
            await Task.Delay(50);
        }
    }
}

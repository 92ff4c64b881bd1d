using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.IntegrationTests;

/// <summary>Orchestration features on the engine, against real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EngineOrchestrationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private EngineHost engine = null!;

    private DurableTaskClient Client => engine.Client;

    public async Task InitializeAsync() => engine = await EngineHost.StartAsync(azurite, TestTasks.Register);

    public async Task DisposeAsync() => await engine.DisposeAsync();

    [Fact]
    public async Task ActivityRetry_FailsTwiceWithRetryPolicy_SucceedsOnThirdAttempt()
    {
        var key = Guid.NewGuid().ToString("N");
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("RetryFlaky", key);
        var done = await Wait(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(3, done.ReadOutputAs<int>());
    }

    [Fact]
    public async Task ActivityRetry_PolicyThatJudgesTheFailure_RetriesWhatItJudgesTransient()
    {
        // A policy's HandleFailure reads the failure's details, which the engine must carry (not only a serialized exception).
        var key = Guid.NewGuid().ToString("N");
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("RetryFlakyJudged", key);
        var done = await Wait(id);

        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        Assert.Equal(3, done.ReadOutputAs<int>());
    }

    [Fact]
    public async Task ActivityFailure_WithoutRetryPolicy_FailsOrchestrationWithCause()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("NoRetryFlaky", Guid.NewGuid().ToString("N"));
        var done = await Wait(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("transient failure 1", done.FailureDetails!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DurableTimer_FiresAfterItsDelay_ElapsedOrchestrationTimeAtLeastDelay()
    {
        // Azure Storage queues delay messages in whole seconds, so a timer is accurate to the second (docs/ARCHITECTURE.md).
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("Timer", 2500);
        var done = await Wait(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var elapsed = double.Parse(done.ReadOutputAs<string>()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(elapsed >= 1500, $"orchestration time advanced {elapsed} ms across a 2500 ms timer");
        Assert.True(done.LastUpdatedAt - done.CreatedAt >= TimeSpan.FromMilliseconds(1500), $"created {done.CreatedAt:O}, finished {done.LastUpdatedAt:O}");
    }

    [Fact]
    public async Task WaitForExternalEvent_EventBeforeTimeout_ReturnsPayload()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitWithTimeout", 60_000);
        await Client.WaitForInstanceStartAsync(id);
        await Client.RaiseEventAsync(id, "decision", "approved");

        Assert.Equal("event:approved", (await Wait(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task WaitForExternalEvent_NoEventBeforeTimeout_TimesOut()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitWithTimeout", 1000);

        Assert.Equal("timed-out", (await Wait(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task SubOrchestration_ChildCompletes_ParentGetsItsOutput()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("Parent", "x");

        Assert.Equal("parent(echo:x)", (await Wait(id)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task ContinueAsNew_RestartsWithNewInput_FinishesWithLastInput()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync("CountTo3", 0);
        var done = await Wait(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(3, done.ReadOutputAs<int>());
        Assert.Equal(3, done.ReadInputAs<int>());
    }

    private Task<OrchestrationMetadata> Wait(string id) => engine.WaitForCompletionAsync(id);
}

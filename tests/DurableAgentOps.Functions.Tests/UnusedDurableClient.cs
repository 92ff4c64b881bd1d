using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions.Tests;

/// <summary>
/// A trigger's [DurableClient] binding, for requests that must never reach the task hub: every call fails the test.
/// (The binding comes from the Functions host, which cannot run here.)
/// </summary>
internal sealed class UnusedDurableClient() : DurableTaskClient("unused")
{
    private static InvalidOperationException Touched() => new("the request reached the task hub, which this test says it must not");

    public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default) => throw Touched();

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) => throw Touched();

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw Touched();

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw Touched();

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw Touched();

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw Touched();

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw Touched();

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => throw Touched();

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using System.Text.Json.Nodes;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Replay;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// Real runs of the orchestrator on the engine (Azurite), recorded once per test run and shared by the replay tests:
/// their Durable histories, as the engine client returns them.
/// </summary>
internal sealed class ReplayRecordings
{
    private static readonly SemaphoreSlim Once = new(1, 1);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static ReplayRecordings? recorded;

    /// <summary>A routed gate: a reminder, an event the approval service never recorded (ignored), then an approval.</summary>
    public required IList<HistoryEvent> Gated { get; init; }

    /// <summary>The gated run with evidence on: its history, and the records its evidence appends wrote.</summary>
    public required (IList<HistoryEvent> History, IReadOnlyList<Core.Evidence.EvidenceRecord> Evidence) GatedWithEvidence { get; init; }

    /// <summary>A run without a gate that fails at its write, with evidence on.</summary>
    public required (IList<HistoryEvent> History, IReadOnlyList<Core.Evidence.EvidenceRecord> Evidence) FailedWriteWithEvidence { get; init; }

    /// <summary>No gate applies; the first read fails once and is retried after its backoff.</summary>
    public required IList<HistoryEvent> WithoutGate { get; init; }

    /// <summary>
    /// No gate applies, evidence on: the first evidence append fails once and the first read fails once, each retried
    /// after its backoff timer.
    /// </summary>
    public required IList<HistoryEvent> WithoutGateHealedAppend { get; init; }

    /// <summary>No gate applies and the write fails: the run fails.</summary>
    public required IList<HistoryEvent> FailedWrite { get; init; }

    /// <summary>The gated workflow's run on an engine that keeps no activity inputs in the history.</summary>
    public required IList<HistoryEvent> GatedWithoutInputs { get; init; }

    public static async Task<ReplayReport> ReplayAsync(AzuriteFixture azurite, Func<ReplayRecordings, IList<HistoryEvent>> pick, ReplayOptions options) =>
        Replayer.Replay(RecordedRun.FromHistory(pick(await GetAsync(azurite))), options);

    public static async Task<ReplayRecordings> GetAsync(AzuriteFixture azurite)
    {
        await Once.WaitAsync();
        try
        {
            return recorded ??= await RecordAsync(azurite);
        }
        finally
        {
            Once.Release();
        }
    }

    private static async Task<ReplayRecordings> RecordAsync(AzuriteFixture azurite)
    {
        IList<HistoryEvent> gated, withoutGate, healedAppend, failed, withoutInputs;
        (IList<HistoryEvent>, IReadOnlyList<Core.Evidence.EvidenceRecord>) gatedWithEvidence, failedWithEvidence;
        await using (var engine = await StartAsync(azurite, storeInputs: true))
        {
            gated = await GatedRunAsync(engine);
            var evidenced = await StartRunAsync(engine, ReplayWorkflows.Gated, "ACC-000002", evidence: true);
            gatedWithEvidence = (await GatedRunAsync(engine, evidenced), FakeActivities.EvidenceOf(evidenced));
            var failing = await StartRunAsync(engine, ReplayWorkflows.WithoutGate, FakeActivities.RefusedAccount, evidence: true);
            failedWithEvidence = (await FinishAsync(engine, failing, null), FakeActivities.EvidenceOf(failing));
            withoutGate = await RunAsync(engine, ReplayWorkflows.WithoutGate, "ACC-000002", "completed");
            var flaky = await StartRunAsync(engine, ReplayWorkflows.WithoutGate, FakeActivities.FlakyEvidenceAccount, evidence: true);
            healedAppend = await FinishAsync(engine, flaky, "completed");
            failed = await RunAsync(engine, ReplayWorkflows.WithoutGate, FakeActivities.RefusedAccount, null);
        }

        await using (var engine = await StartAsync(azurite, storeInputs: false))
        {
            withoutInputs = await GatedRunAsync(engine);
        }

        return new ReplayRecordings
        {
            Gated = gated, WithoutGate = withoutGate, WithoutGateHealedAppend = healedAppend, FailedWrite = failed, GatedWithoutInputs = withoutInputs,
            GatedWithEvidence = gatedWithEvidence, FailedWriteWithEvidence = failedWithEvidence,
        };
    }

    private static Task<EngineHost> StartAsync(AzuriteFixture azurite, bool storeInputs) => EngineHost.StartAsync(azurite,
        tasks => FakeActivities.Register(tasks, [ReplayWorkflows.Snapshot(ReplayWorkflows.Gated), ReplayWorkflows.Snapshot(ReplayWorkflows.WithoutGate)]),
        settings: new Dictionary<string, string?> { ["extensions:durableTask:storeInputsInOrchestrationHistory"] = storeInputs ? "true" : "false" });

    private static async Task<IList<HistoryEvent>> GatedRunAsync(EngineHost engine, string? started = null)
    {
        var runId = started ?? await StartRunAsync(engine, ReplayWorkflows.Gated, "ACC-000002");

        // Events are raised only while the gate waits, so the recording is the same every time it is made.
        await StatusAsync(engine, runId, p => p.WaitingFor is not null && p.Notices?.Any(n => n.Kind == "reminder") == true);
        await engine.Client.RaiseEventAsync(runId, AgentWorkflowOrchestrator.ApprovalEvent, new { decisionId = "made-up" });
        await StatusAsync(engine, runId, p => p.WaitingFor is not null && p.Approvals.Count == 1);
        await engine.Client.RaiseEventAsync(runId, AgentWorkflowOrchestrator.ApprovalEvent, new ApprovalSignal(FakeActivities.Decision));
        return await FinishAsync(engine, runId, "completed");
    }

    private static async Task<IList<HistoryEvent>> RunAsync(EngineHost engine, string workflow, string accountId, string? outcome) =>
        await FinishAsync(engine, await StartRunAsync(engine, workflow, accountId), outcome);

    private static async Task<string> StartRunAsync(EngineHost engine, string workflow, string accountId, bool evidence = false)
    {
        var runId = "replay-" + Guid.NewGuid().ToString("N")[..12];
        var request = new RunRequest(runId, ReplayWorkflows.Name, ReplayWorkflows.Snapshot(workflow).Sha256, new JsonObject { ["accountId"] = accountId },
            new PrincipalRef("tenant/alice", "Alice", "alice@contoso.example"), "local", Evidence: evidence);
        await engine.Client.ScheduleNewOrchestrationInstanceAsync(AgentWorkflowOrchestrator.Name, request, new StartOrchestrationOptions(runId));
        return runId;
    }

    /// <summary>Waits for the run to end (completed with that outcome, or failed when null) and reads its history.</summary>
    private static async Task<IList<HistoryEvent>> FinishAsync(EngineHost engine, string runId, string? outcome)
    {
        var done = await engine.WaitForCompletionAsync(runId);
        if (outcome is null)
        {
            Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        }
        else
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal(outcome, done.ReadOutputAs<RunResult>()!.Outcome);
        }

        return await engine.Client.GetOrchestrationHistoryAsync(runId);
    }

    private static async Task StatusAsync(EngineHost engine, string runId, Func<RunProgress, bool> reached)
    {
        var deadline = DateTime.UtcNow + Patience;
        OrchestrationMetadata? instance = null;
        while (DateTime.UtcNow < deadline)
        {
            instance = await engine.Client.GetInstancesAsync(runId, getInputsAndOutputs: true);
            var status = instance?.ReadCustomStatusAs<RunProgress>();
            if (status is not null && reached(status))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"run {runId} did not reach the awaited state in {Patience}: {instance?.RuntimeStatus} {instance?.SerializedCustomStatus} {instance?.FailureDetails?.ErrorMessage}");
    }
}

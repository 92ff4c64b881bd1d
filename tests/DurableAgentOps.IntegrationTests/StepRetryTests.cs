using System.Collections.Concurrent;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The retry a step declares is the retry the engine runs, for every step kind: the real orchestrator on the real engine
/// (Azurite), with the step activities replaced by stand-ins under the same names that fail as a test tells them to
/// (a system's own faults are covered end to end in GovernedRunTests). support-routing's four kinds each declare a
/// different <c>maxAttempts</c>, so a count that matches can only come from that step's own policy.
/// </summary>
[Collection(AzuriteFaultsCollection.Name)]
public sealed class StepRetryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Declared per kind; distinct, so no policy can pass for another's.</summary>
    private static readonly Dictionary<StepKind, int> Declared = new()
    {
        [StepKind.Read] = 2,
        [StepKind.Draft] = 3,
        [StepKind.Route] = 4,
        [StepKind.Write] = 5,
    };

    /// <summary>Per run: the kind that fails, how many times (int.MaxValue: always), and whether as a refusal.</summary>
    private static readonly ConcurrentDictionary<string, (StepKind Kind, int Times, bool Refuse)> Plans = new();

    /// <summary>Per run and step: when each attempt started.</summary>
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> Attempts = new();

    private static readonly WorkflowSnapshot Snapshot = Retrying(WorkflowLoader.Load(Path.Combine(RepoPaths.Root, "workflows", "support-routing.yaml")).ToSnapshot());

    private EngineHost engine = null!;

    public async Task InitializeAsync() => engine = await EngineHost.StartAsync(azurite, tasks => tasks
        .AddOrchestrator<AgentWorkflowOrchestrator>()
        .AddActivityFunc<DefinitionRef, WorkflowSnapshot>(LoadDefinitionActivity.Name, (_, _) => Snapshot)
        .AddActivityFunc<StepInvocation, StepRecord>(ReadStepActivity.Name, (_, input) => Step(input))
        .AddActivityFunc<StepInvocation, StepRecord>(DraftStepActivity.Name, (_, input) => Step(input))
        .AddActivityFunc<StepInvocation, StepRecord>(RouteStepActivity.Name, (_, input) => Step(input))
        .AddActivityFunc<StepInvocation, StepRecord>(WriteStepActivity.Name, (_, input) => Step(input)));

    public async Task DisposeAsync() => await engine.DisposeAsync();

    [Theory]
    [InlineData(StepKind.Read)]
    [InlineData(StepKind.Draft)]
    [InlineData(StepKind.Route)]
    [InlineData(StepKind.Write)]
    public async Task Step_FailsOneAttemptShortOfItsDeclaredMaximum_EngineRetriesUntilItSucceeds(StepKind kind)
    {
        var (runId, done) = await RunAsync(kind, Declared[kind] - 1, refuse: false);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var step = StepOf(kind);
        Assert.Equal(Declared[kind], Count(runId, step));
        Assert.All(Snapshot.Definition.Steps.Where(s => s.Id != step), s => Assert.Equal(1, Count(runId, s.Id)));
    }

    [Theory]
    [InlineData(StepKind.Read)]
    [InlineData(StepKind.Draft)]
    [InlineData(StepKind.Route)]
    [InlineData(StepKind.Write)]
    public async Task Step_KeepsFailing_EngineStopsAtTheDeclaredMaximumWithTheDeclaredBackoff(StepKind kind)
    {
        var (runId, done) = await RunAsync(kind, int.MaxValue, refuse: false);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        var step = StepOf(kind);
        var attempts = Attempts[Key(runId, step)].ToList();
        Assert.Equal(Declared[kind], attempts.Count);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b - a).ToList();
        // Queue messages are delayed in whole seconds, so a durable timer is accurate to the second: PT2S waits 1–2 s.
        Assert.All(gaps, gap => Assert.True(gap >= TimeSpan.FromSeconds(1), $"attempts {gap.TotalMilliseconds:F0} ms apart; the step declares PT2S"));
        Assert.Contains($"transient fault {Declared[kind]} of {step}", done.FailureDetails?.ErrorMessage, StringComparison.Ordinal);

        // The steps after it never ran.
        var later = Snapshot.Definition.Steps.SkipWhile(s => s.Id != step).Skip(1);
        Assert.All(later, s => Assert.Equal(0, Count(runId, s.Id)));
    }

    [Theory]
    [InlineData(StepKind.Read)]
    [InlineData(StepKind.Write)]
    public async Task Step_Refused_IsNotRetriedWhateverItDeclares(StepKind kind)
    {
        var (runId, done) = await RunAsync(kind, int.MaxValue, refuse: true);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Equal(1, Count(runId, StepOf(kind)));
    }

    private async Task<(string RunId, OrchestrationMetadata Done)> RunAsync(StepKind kind, int times, bool refuse)
    {
        var runId = $"retry-{Guid.NewGuid():N}";
        Plans[runId] = (kind, times, refuse);
        var request = new RunRequest(runId, Snapshot.Definition.Name, Snapshot.Sha256, new() { ["ticketId"] = "TCK-0000003" },
            new PrincipalRef("alice-id", "Alice", null), "local", Evidence: false);
        await engine.Client.ScheduleNewOrchestrationInstanceAsync(AgentWorkflowOrchestrator.Name, request, new StartOrchestrationOptions(runId));
        return (runId, await engine.WaitForCompletionAsync(runId));
    }

    private static StepRecord Step(StepInvocation input)
    {
        var step = input.Step;
        var queue = Attempts.GetOrAdd(Key(input.RunId, step.Id), _ => new());
        queue.Enqueue(DateTimeOffset.UtcNow);
        var plan = Plans[input.RunId];
        if (step.Kind == plan.Kind && step.Id == StepOf(plan.Kind) && queue.Count <= plan.Times)
        {
            throw plan.Refuse
                ? new StepRefusedException($"refused: {step.Id}")
                : new HttpRequestException($"transient fault {queue.Count} of {step.Id}");
        }

        return new StepRecord(step.Id, step.Kind, input.Identity.Name, input.ClientId, step.Scope, [], [], DateTimeOffset.UtcNow, 0, "succeeded", "stand-in", [], null);
    }

    /// <summary>The first step of that kind in support-routing.</summary>
    private static string StepOf(StepKind kind) => Snapshot.Definition.Steps.First(s => s.Kind == kind).Id;

    private static int Count(string runId, string step) => Attempts.TryGetValue(Key(runId, step), out var queue) ? queue.Count : 0;

    private static string Key(string runId, string step) => $"{runId}/{step}";

    /// <summary>support-routing with a retry block on every step (a backoff of two seconds) and its write ungated.</summary>
    private static WorkflowSnapshot Retrying(WorkflowSnapshot snapshot) => snapshot with
    {
        Definition = snapshot.Definition with
        {
            Steps = [.. snapshot.Definition.Steps.Select(s => s with
            {
                Retry = new Core.Model.RetryPolicy(Declared[s.Kind], "PT2S"),
                Approval = s.Kind == StepKind.Write ? new ApprovalPolicy(ApprovalMode.None, null, null, null, "test") : s.Approval,
            })],
        },
    };
}

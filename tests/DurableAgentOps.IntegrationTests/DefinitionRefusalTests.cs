using System.Text.Json.Nodes;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// A governed run executes only a start the run service issued, of a definition the deployment published (by name and
/// SHA-256), whoever schedules it and by whatever route (here: straight through the engine's client, as the Durable
/// Functions extension's start route behind the system key, or someone holding the storage keys, could). A start the
/// run service did not issue (a hand-made input, a forged initiator, an issued start used again), an unknown hash,
/// altered stored content or a missing initiator are refused before any step. The definition checks below are of
/// starts the run service issued (written to its table as it would), so only the definition is wrong.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DefinitionRefusalTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly string Workflows = Path.Combine(RepoPaths.Root, "workflows");

    private readonly string prefix = "d" + Guid.NewGuid().ToString("N")[..12];
    private EngineHost engine = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [GovernanceStorage.PrefixSetting] = prefix,
            ["AgentOps:Workflows:Path"] = Workflows,
            ["AgentOps:Evidence:SigningKey"] = HostProcess.EvidenceKey,
        }).Build();
        engine = await EngineHost.StartAsync(azurite,
            tasks => tasks.AddOrchestrator<AgentWorkflowOrchestrator>().AddActivity<LoadDefinitionActivity>().AddActivity<VerifyDecisionActivity>()
                .AddActivity<Runtime.Evidence.AppendEvidenceActivity>()
                .AddActivity<ReadStepActivity>().AddActivity<DraftStepActivity>().AddActivity<RouteStepActivity>().AddActivity<WriteStepActivity>(),
            services => services.AddAgentOpsRuntime(configuration),
            new Dictionary<string, string?> { [GovernanceStorage.PrefixSetting] = prefix });
    }

    public async Task DisposeAsync() => await engine.DisposeAsync();

    [Fact]
    public async Task Run_StartTheRunServiceDidNotIssue_FailsRefusedBeforeAnyStepAndWritesNoEvidence()
    {
        // A published definition, a well-formed input of today's logic and a made-up initiator: only the issue is missing.
        var snapshot = await PublishAsync();
        var forged = Request(snapshot.Sha256) with { Initiator = new PrincipalRef("tenant/ceo", "The CEO", "ceo@contoso.example"), LogicVersion = RunLogic.Current };

        var done = await RunAsync(forged);

        AssertRefusedBeforeAnyStep(done, $"run '{forged.RunId}' was not started by the run service (no start was issued under this id)");
        Assert.Equal(["LoadDefinitionActivity"], await ScheduledActivitiesAsync(done.InstanceId));
        Assert.Null(await Ledger.ReadRunAsync(done.InstanceId, CancellationToken.None));
    }

    [Fact]
    public async Task Run_IssuedStartScheduledWithAnotherInitiator_FailsRefusedBeforeAnyStep()
    {
        var snapshot = await PublishAsync();
        var issued = await IssueAsync(Request(snapshot.Sha256));

        var done = await RunAsync(issued with { Initiator = new PrincipalRef("tenant/mallory", "Mallory", null) });

        AssertRefusedBeforeAnyStep(done, "does not have the input the run service issued");
        Assert.Equal(["LoadDefinitionActivity"], await ScheduledActivitiesAsync(done.InstanceId));
    }

    [Fact]
    public async Task Run_InputClaimingOlderLogic_FailsRefusedBeforeAnyStep()
    {
        // Runs of older logic carry no digest to check; a hand-made input claiming one is refused all the same.
        var snapshot = await PublishAsync();

        var done = await RunAsync(Request(snapshot.Sha256) with { LogicVersion = RunLogic.AdmissionChain });

        AssertRefusedBeforeAnyStep(done, $"its input claims orchestration logic older than version {RunLogic.IssuedStart}");
        Assert.Equal(["LoadDefinitionActivity"], await ScheduledActivitiesAsync(done.InstanceId));
    }

    [Fact]
    public async Task Run_IssuedStartScheduledAgainAfterItsHistoryWasPurged_IsRefusedAndLeavesTheFirstRunsEvidence()
    {
        var issued = await IssueAsync(Request(new string('0', 64)));
        var first = await RunAsync(issued);
        AssertRefusedBeforeAnyStep(first, "was deployed on this host");
        var evidence = (await Ledger.ReadRunAsync(issued.RunId, CancellationToken.None))!.Records.Select(r => r.StoredHash).ToList();
        Assert.Equal(1, (await engine.Client.PurgeInstanceAsync(issued.RunId)).PurgedInstanceCount);

        var again = await RunAsync(issued);

        AssertRefusedBeforeAnyStep(again, "was already started once");
        Assert.Equal(evidence, (await Ledger.ReadRunAsync(issued.RunId, CancellationToken.None))!.Records.Select(r => r.StoredHash));
    }

    [Fact]
    public async Task Run_HashNoDeploymentPublished_FailsRefusedBeforeAnyStep()
    {
        var done = await RunAsync(await IssueAsync(Request(new string('0', 64))));

        AssertRefusedBeforeAnyStep(done, $"no definition of 'crm-followup' with SHA-256 {new string('0', 64)} was deployed on this host");
        Assert.Equal(["LoadDefinitionActivity", "AppendEvidenceActivity"], await ScheduledActivitiesAsync(done.InstanceId));
        var evidence = await engine.Services.GetRequiredService<Runtime.Evidence.EvidenceLedger>().ReadRunAsync(done.InstanceId, CancellationToken.None);
        Assert.Equal(["run-start", "refusal", "run-end"], evidence!.Records.Select(r => r.Record!.Kind));
    }

    [Fact]
    public async Task Run_StoredDefinitionAlteredToDropTheGate_FailsRefusedBeforeAnyStep()
    {
        // Another host published the real definition; then someone with storage access edits it to skip the gate.
        var snapshot = WorkflowLoader.Load(Path.Combine(Workflows, "crm-followup.yaml")).ToSnapshot();
        var storage = engine.Services.GetRequiredService<GovernanceStorage>();
        await new DefinitionStore(storage).PublishAsync(snapshot, CancellationToken.None);
        var steps = snapshot.Definition.Steps
            .Select(s => s.Kind == StepKind.Write ? s with { Approval = new ApprovalPolicy(ApprovalMode.None, null, null, null, "no gate") } : s).ToList();
        var altered = snapshot with { Definition = snapshot.Definition with { Steps = steps } };
        var blob = storage.Blobs.GetBlobContainerClient(storage.DefinitionsContainer).GetBlobClient($"crm-followup/{snapshot.Sha256}.json");
        await blob.UploadAsync(BinaryData.FromString(altered.ToJson()), overwrite: true);

        var done = await RunAsync(await IssueAsync(Request(snapshot.Sha256)));

        AssertRefusedBeforeAnyStep(done, $"the stored definition of 'crm-followup' does not match its SHA-256 {snapshot.Sha256}: it was altered");
    }

    [Fact]
    public async Task Run_NoVerifiedInitiator_FailsRefusedBeforeLoadingAnything()
    {
        var done = await RunAsync(Request(new string('0', 64)) with { Initiator = null! });

        AssertRefusedBeforeAnyStep(done, "refused: the run names no verified initiator");
        Assert.Empty(await ScheduledActivitiesAsync(done.InstanceId));
    }

    private Runtime.Evidence.EvidenceLedger Ledger => engine.Services.GetRequiredService<Runtime.Evidence.EvidenceLedger>();

    /// <summary>The shipped crm-followup definition, published as a deployment would.</summary>
    private async Task<Core.Snapshot.WorkflowSnapshot> PublishAsync()
    {
        var snapshot = WorkflowLoader.Load(Path.Combine(Workflows, "crm-followup.yaml")).ToSnapshot();
        await new DefinitionStore(engine.Services.GetRequiredService<GovernanceStorage>()).PublishAsync(snapshot, CancellationToken.None);
        return snapshot;
    }

    /// <summary>The request of today's logic, issued as the run service issues it before scheduling.</summary>
    private async Task<RunRequest> IssueAsync(RunRequest request)
    {
        var issued = request with { LogicVersion = RunLogic.Current };
        await engine.Services.GetRequiredService<IssuedRunStore>().IssueAsync(issued.RunId, RunIssue.Digest(issued), DateTimeOffset.UtcNow, CancellationToken.None);
        return issued;
    }

    private static RunRequest Request(string sha256) => new(
        "forged-" + Guid.NewGuid().ToString("N")[..8], "crm-followup", sha256, new JsonObject { ["accountId"] = "ACC-000002" },
        new PrincipalRef("t/o", "Someone", null), "local");

    private async Task<OrchestrationMetadata> RunAsync(RunRequest request)
    {
        await engine.Client.ScheduleNewOrchestrationInstanceAsync(AgentWorkflowOrchestrator.Name, request, new StartOrchestrationOptions(request.RunId));
        return await engine.WaitForCompletionAsync(request.RunId);
    }

    private static void AssertRefusedBeforeAnyStep(OrchestrationMetadata done, string reason)
    {
        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        var progress = done.ReadCustomStatusAs<RunProgress>()!;
        Assert.Equal("refused", progress.Phase);
        Assert.Empty(progress.Steps);
        Assert.Contains(reason, progress.Failure!.Reason, StringComparison.Ordinal);
    }

    private async Task<List<string>> ScheduledActivitiesAsync(string instanceId) =>
        [.. (await engine.Client.GetOrchestrationHistoryAsync(instanceId))
            .OfType<DurableTask.Core.History.TaskScheduledEvent>().Select(e => e.Name ?? string.Empty)];
}

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
/// A governed run executes only a definition the deployment published, by name and SHA-256, whoever schedules it and
/// by whatever route (here: straight through the engine's client, as someone holding the storage keys could). An
/// unknown hash, altered stored content or a missing initiator are refused before any step.
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
    public async Task Run_HashNoDeploymentPublished_FailsRefusedBeforeAnyStep()
    {
        var done = await RunAsync(Request(new string('0', 64)));

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

        var done = await RunAsync(Request(snapshot.Sha256));

        AssertRefusedBeforeAnyStep(done, $"the stored definition of 'crm-followup' does not match its SHA-256 {snapshot.Sha256}: it was altered");
    }

    [Fact]
    public async Task Run_NoVerifiedInitiator_FailsRefusedBeforeLoadingAnything()
    {
        var done = await RunAsync(Request(new string('0', 64)) with { Initiator = null! });

        AssertRefusedBeforeAnyStep(done, "refused: the run names no verified initiator");
        Assert.Empty(await ScheduledActivitiesAsync(done.InstanceId));
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

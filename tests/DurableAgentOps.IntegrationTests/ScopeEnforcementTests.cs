using System.Text.Json.Nodes;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Scope;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Scope is enforced twice: the scope guard refuses before a call leaves the process, and the target system refuses
/// from the token's claims when the guard is bypassed. Step activities run in this process with the real
/// ManagedIdentityCredential against the dev identity endpoint.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScopeEnforcementTests(AzuriteFixture azurite)
{
    private readonly string connection = azurite.ConnectionString;

    private static readonly LoadedWorkflow CrmFollowup = WorkflowLoader.Load(Path.Combine(RepoPaths.Root, "workflows", "crm-followup.yaml"));

    // One test, one DevServices: Azure.Identity caches tokens process-wide, whichever endpoint signed them.
    [Fact]
    public async Task StepActivities_OutOfScopeCalls_GuardRefusesBeforeSendingAndSystemRefusesWhenBypassed()
    {
        await using var dev = await DevServicesProcess.StartAsync(azurite);
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", $"{dev.BaseUrl}/msi/token");
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", dev.IdentityHeader);
        var write = CrmFollowup.Definition!.FindStep("write-followup")!;
        var read = CrmFollowup.Definition.FindStep("read-account")!;

        // A write step that a read identity or the draft identity runs (a definition the validator would reject).
        foreach (var identity in new[] { "crm-reader", "drafter" })
        {
            var invocation = Invocation(write with { Identity = identity }, identity, Draft("ACC-000002", "emea"));
            var refused = await Assert.ThrowsAsync<ScopeViolationException>(() => RunAsync<WriteStepActivity>(dev, invocation, guard: true));
            Assert.Equal("crm.tasks.create", refused.Operation);
            Assert.Contains($"not granted to identity {identity}", refused.Reason, StringComparison.Ordinal);
            Assert.Empty(await dev.RequestsAsync("crm"));

            // A write names the calls it made around the failure; the refusal itself is the cause (never retried).
            var stopped = await Assert.ThrowsAsync<WriteIncompleteException>(() => RunAsync<WriteStepActivity>(dev, invocation, guard: false));
            var bySystem = Assert.IsType<StepRefusedException>(stopped.InnerException);
            Assert.Contains("403", bySystem.Message, StringComparison.Ordinal);
            Assert.Contains(await dev.RequestsAsync("crm"), r => r.GetProperty("status").GetInt32() == 403
                && r.GetProperty("subject").GetString() == ClientId(identity));
            await dev.Http.DeleteAsync("/_dev/requests");
        }

        // The writer targets another region's account (the draft says where the change goes).
        var otherRegion = Invocation(write, "crm-writer", Draft("ACC-000003", "amer"));
        var recordRefused = await Assert.ThrowsAsync<ScopeViolationException>(() => RunAsync<WriteStepActivity>(dev, otherRegion, guard: true));
        Assert.Equal("ACC-000003", recordRefused.Record);
        Assert.Contains("region 'amer'", recordRefused.Reason, StringComparison.Ordinal);
        Assert.Empty(await dev.RequestsAsync("crm"));
        var recordBySystem = Assert.IsType<StepRefusedException>(
            (await Assert.ThrowsAsync<WriteIncompleteException>(() => RunAsync<WriteStepActivity>(dev, otherRegion, guard: false))).InnerException);
        Assert.Contains("403", recordBySystem.Message, StringComparison.Ordinal);

        // The model names another record than the run's: refused before any call, whatever the scope says.
        var steered = Invocation(write, "crm-writer", Draft("ACC-000002", "emea", draftedAccount: "ACC-000001"));
        var steeredRefused = await Assert.ThrowsAsync<StepRefusedException>(() => RunAsync<WriteStepActivity>(dev, steered, guard: true));
        Assert.Contains("the draft names accountId 'ACC-000001', but this run's record is 'ACC-000002'", steeredRefused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await dev.RequestsAsync("crm"), r => r.GetProperty("method").GetString() == "POST" && r.GetProperty("status").GetInt32() < 300);

        // Reading another region's account: the guard cannot know the region before the read, the system refuses.
        var readOther = Invocation(read, "crm-reader", new JsonObject { ["input"] = new JsonObject { ["accountId"] = "ACC-000003" } });
        var readRefused = await Assert.ThrowsAsync<StepRefusedException>(() => RunAsync<ReadStepActivity>(dev, readOther, guard: true));
        Assert.Contains("403", readRefused.Message, StringComparison.Ordinal);

        // And in scope, the same activity works.
        var readOwn = Invocation(read, "crm-reader", new JsonObject { ["input"] = new JsonObject { ["accountId"] = "ACC-000002" } });
        var record = await RunAsync<ReadStepActivity>(dev, readOwn, guard: true);
        Assert.Equal("emea", record.Output!["region"]!.GetValue<string>());
    }

    /// <summary>A write step's data: the input and the account read name the record; the draft says what to write.</summary>
    private static JsonObject Draft(string accountId, string region, string? draftedAccount = null) => new()
    {
        ["input"] = new JsonObject { ["accountId"] = accountId },
        ["account"] = new JsonObject { ["id"] = accountId, ["region"] = region },
        ["draft"] = new JsonObject
        {
            ["target"] = new JsonObject { ["accountId"] = draftedAccount ?? accountId, ["region"] = region },
            ["task"] = new JsonObject { ["subject"] = "Follow up", ["body"] = "Call back", ["dueDate"] = "2026-12-01", ["ownerId"] = "anna.weber@contoso.example" },
        },
    };

    private static string ClientId(string identity) => CrmFollowup.Catalogue.Catalogue.Find(identity)!.ClientIds["local"];

    private static StepInvocation Invocation(StepDefinition step, string identity, JsonObject data) =>
        new("scope-test-" + Guid.NewGuid().ToString("N")[..8], "crm-followup", step,
            CrmFollowup.Catalogue.Catalogue.Find(identity)!, ClientId(identity), data, Declarations: CrmFollowup.ToSnapshot().Declarations);

    private async Task<StepRecord> RunAsync<TActivity>(DevServicesProcess dev, StepInvocation invocation, bool guard)
        where TActivity : StepActivityBase
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<SystemsOptions>(o => o.DefaultBaseUrl = new Uri(dev.BaseUrl));
        services.Configure<AgentOpsRunOptions>(o => o.ScopeGuardEnabled = guard);
        services.AddSingleton(new ClientIdResolver(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()));
        services.AddSingleton(new WorkerInfo("scope-test"));
        services.AddSystemClient(); // as the host has it: tokens set per attempt inside the resilience pipeline
        services.AddSingleton(Runtime.Stores.GovernanceStorage.FromConfiguration(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), Runtime.Engine.StorageConnection.FromConnectionString(connection)));
        services.AddSingleton<Runtime.Evidence.PayloadVault>();
        services.AddSingleton<Runtime.Evidence.Redactor>();
        services.AddSingleton<ChangeWriter>();
        services.AddSingleton<Runtime.Stores.DecisionStore>();
        services.AddHttpClient<Runtime.Writer.WriterClient>(); // shared-app writes never use it
        // Step activities append the evidence their input carries (none here): the ledger as the host has it.
        services.AddSingleton(TimeProvider.System);
        services.AddHttpClient();
        services.AddSingleton<Runtime.Evidence.EvidenceKeys>();
        services.AddSingleton<Runtime.Evidence.EvidenceAnchors>();
        services.AddSingleton<Runtime.Evidence.EvidenceLedger>();
        Runtime.Evidence.CarriedEvidence.AddTo(services);
        services.AddTransient<TActivity>();
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<TActivity>().RunAsync(null!, invocation);
    }
}

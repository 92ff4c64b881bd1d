using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The Functions host cannot run here, so the Functions app is checked through what the host reads at startup:
/// the functions.metadata the Worker SDK generates at build, and the host.json next to it.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private const string StartRun = "StartRun";
    private const string GetRun = "GetRun";
    private const string ApproveRun = "ApproveRun";
    private const string PendingApprovals = "PendingApprovals";
    private const string ReplayRun = "ReplayRun";
    private const string ReplayBundle = "ReplayBundle";

    private static readonly string Output = Path.Combine(RepoPaths.Root, "src", "DurableAgentOps.Functions", "bin", RepoPaths.Configuration, "net10.0");

    private static readonly Lazy<Dictionary<string, JsonElement>> Functions = new(Load);

    [Fact]
    public void Metadata_BuiltApp_ListsExactlyTheWrappers()
    {
        Assert.Equal(
            new[]
            {
                AgentWorkflowOrchestrator.Name, LoadDefinitionActivity.Name, VerifyDecisionActivity.Name,
                PrepareChangeActivity.Name, Runtime.Approvals.NotifyApproversActivity.Name, Runtime.Evidence.AppendEvidenceActivity.Name, ReadStepActivity.Name, DraftStepActivity.Name, RouteStepActivity.Name, WriteStepActivity.Name,
                StartRun, GetRun, ApproveRun, PendingApprovals, ReplayRun, ReplayBundle, "ApprovalPage", "ApprovalPageSignIn", "ApprovalSignInCallback",
                "SearchEvidence", "EvidenceLog", "VerifyEvidence", "RunEvidence", "RunEvidenceBundle", "PurgeRunEvidence", "PurgeExpiredEvidence",
                "RunTimelinePage", "RunTimelineReport", "RunReport",
            }.Order(StringComparer.Ordinal),
            Functions.Value.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(AgentWorkflowOrchestrator.Name, "orchestrationTrigger:In")]
    [InlineData(LoadDefinitionActivity.Name, "activityTrigger:In")]
    [InlineData(VerifyDecisionActivity.Name, "activityTrigger:In")]
    [InlineData(PrepareChangeActivity.Name, "activityTrigger:In")]
    [InlineData(Runtime.Evidence.AppendEvidenceActivity.Name, "activityTrigger:In")]
    [InlineData(Runtime.Approvals.NotifyApproversActivity.Name, "activityTrigger:In")]
    [InlineData(ReadStepActivity.Name, "activityTrigger:In")]
    [InlineData(DraftStepActivity.Name, "activityTrigger:In")]
    [InlineData(RouteStepActivity.Name, "activityTrigger:In")]
    [InlineData(WriteStepActivity.Name, "activityTrigger:In")]
    [InlineData(StartRun, "httpTrigger:In", "durableClient:In", "http:Out")]
    [InlineData(GetRun, "httpTrigger:In", "durableClient:In", "http:Out")]
    [InlineData(ApproveRun, "httpTrigger:In", "durableClient:In", "http:Out")]
    [InlineData(PendingApprovals, "httpTrigger:In", "durableClient:In", "http:Out")]
    [InlineData("RunEvidence", "httpTrigger:In", "http:Out")]
    [InlineData("PurgeRunEvidence", "httpTrigger:In", "durableClient:In", "http:Out")]
    [InlineData("PurgeExpiredEvidence", "httpTrigger:In", "durableClient:In", "http:Out")]
    [InlineData(ReplayRun, "httpTrigger:In", "durableClient:In", "http:Out")]
    [InlineData(ReplayBundle, "httpTrigger:In", "http:Out")]
    [InlineData("RunTimelinePage", "httpTrigger:In", "http:Out")]
    [InlineData("RunTimelineReport", "httpTrigger:In", "http:Out")]
    [InlineData("RunReport", "httpTrigger:In", "http:Out")]
    public void Metadata_Function_HasItsBindingTypesAndDirections(string function, params string[] expected)
    {
        Assert.True(Functions.Value.TryGetValue(function, out var metadata), $"functions.metadata has no function '{function}'.");

        var bindings = metadata.GetProperty("bindings").EnumerateArray()
            .Select(b => $"{b.GetProperty("type").GetString()}:{b.GetProperty("direction").GetString()}");

        Assert.Equal(expected.Order(StringComparer.Ordinal), bindings.Order(StringComparer.Ordinal));
    }

    // The standalone host's routes (the Functions route prefix "api" is added by the host).
    [Theory]
    [InlineData(StartRun, "post", "workflows/{name}/runs")]
    [InlineData(GetRun, "get", "runs/{runId}")]
    [InlineData(ApproveRun, "post", "runs/{runId}/approvals")]
    [InlineData(PendingApprovals, "get", "approvals")]
    [InlineData("SearchEvidence", "get", "evidence/runs")]
    [InlineData("EvidenceLog", "get", "evidence/log")]
    [InlineData("VerifyEvidence", "get", "evidence/verify")]
    [InlineData("RunEvidence", "get", "runs/{runId}/evidence")]
    [InlineData("RunEvidenceBundle", "get", "runs/{runId}/evidence/bundle")]
    [InlineData("PurgeRunEvidence", "delete", "runs/{runId}/evidence")]
    [InlineData("PurgeExpiredEvidence", "post", "evidence/purge")]
    [InlineData(ReplayRun, "get", "runs/{runId}/replay")]
    [InlineData(ReplayBundle, "post", "replay")]
    [InlineData("RunTimelinePage", "get", "runs/{runId}/timeline")]
    [InlineData("RunTimelineReport", "get", "runs/{runId}/timeline/report")]
    [InlineData("RunReport", "get", "runs/{runId}/report")]
    public void Metadata_HttpTrigger_HasTheStandaloneHostsMethodAndRoute(string function, string method, string route)
    {
        Assert.True(Functions.Value.TryGetValue(function, out var metadata), $"functions.metadata has no function '{function}'.");
        var trigger = metadata.GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString() == "httpTrigger");

        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    // The handlers authenticate the caller themselves (JWT bearer, the same code as the standalone host), so the
    // Functions host must not ask for a function key in front of them; no trigger may be left at "function" by accident.
    [Theory]
    [InlineData(StartRun)]
    [InlineData(GetRun)]
    [InlineData(ApproveRun)]
    [InlineData(PendingApprovals)]
    [InlineData(ReplayRun)]
    [InlineData(ReplayBundle)]
    [InlineData("ApprovalPage")]
    [InlineData("ApprovalPageSignIn")]
    [InlineData("ApprovalSignInCallback")]
    [InlineData("RunTimelinePage")]
    [InlineData("RunTimelineReport")]
    [InlineData("RunReport")]
    public void Metadata_HttpTrigger_IsAnonymousToTheFunctionsHostBecauseItsHandlerAuthenticates(string function)
    {
        var trigger = Functions.Value[function].GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString() == "httpTrigger");

        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
    }

    [Fact]
    public void Output_HostJson_IsTheRepositoryHostJson()
    {
        // host.json is linked, not copied: both hosts must read the same durableTask settings.
        var output = Path.Combine(Output, "host.json");
        Assert.True(File.Exists(output), $"No host.json in {Output}.");
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(output));
    }

    [Theory]
    [InlineData("identities.yaml")]
    [InlineData("crm-followup.yaml")]
    [InlineData("support-routing.yaml")]
    [InlineData("invoice-exceptions.yaml")]
    public void Output_Workflows_AreTheRepositoryFiles(string file)
    {
        // The app starts runs from the workflows/ folder deployed next to it, so the build output must carry it.
        var output = Path.Combine(Output, "workflows", file);
        Assert.True(File.Exists(output), $"No workflows/{file} in {Output}.");
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "workflows", file)), File.ReadAllText(output));
    }

    private static Dictionary<string, JsonElement> Load()
    {
        var path = Path.Combine(Output, "functions.metadata");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Build src/DurableAgentOps.Functions -c {RepoPaths.Configuration} first: no {path}.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone(), StringComparer.Ordinal);
    }
}

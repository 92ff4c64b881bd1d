using System.Text.Json;
using DurableAgentOps.Api;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The Functions host cannot run here, so the Functions app is checked through what the host reads at startup:
/// the functions.metadata the Worker SDK generates at build, and the host.json next to it.
/// </summary>
public sealed class FunctionsMetadataTests
{
    /// <summary>The orchestrator and activities, each a trigger of its own.</summary>
    private static readonly string[] DurableFunctions =
    [
        AgentWorkflowOrchestrator.Name, LoadDefinitionActivity.Name, VerifyDecisionActivity.Name, PrepareChangeActivity.Name,
        NotifyApproversActivity.Name, AppendEvidenceActivity.Name, ReadStepActivity.Name, DraftStepActivity.Name, RouteStepActivity.Name,
        WriteStepActivity.Name, AdmissionActivity.Name,
    ];

    /// <summary>The pages' sign-in callback: Functions glue the standalone host's authentication middleware does itself.</summary>
    private const string SignInCallback = "ApprovalSignInCallback";

    private static readonly string Output = Path.Combine(RepoPaths.Root, "src", "DurableAgentOps.Functions", "bin", RepoPaths.Configuration, "net10.0");

    private static readonly string WriterOutput = Path.Combine(RepoPaths.Root, "src", "DurableAgentOps.Functions.Writer", "bin", RepoPaths.Configuration, "net10.0");

    private static readonly Lazy<Dictionary<string, JsonElement>> Functions = new(() => Load(Output, "DurableAgentOps.Functions"));

    public static TheoryData<string> Endpoints() => [.. AgentOpsApiEndpoints.All.Select(e => e.Name)];

    [Fact]
    public void Metadata_BuiltApp_ListsTheDurableFunctionsEveryEndpointAndTheSignInCallback()
    {
        Assert.Equal(
            DurableFunctions.Concat(AgentOpsApiEndpoints.All.Select(e => e.Name)).Append(SignInCallback).Order(StringComparer.Ordinal),
            Functions.Value.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Metadata_DurableFunctions_AreOrchestrationAndActivityTriggers()
    {
        foreach (var function in DurableFunctions)
        {
            var expected = function == AgentWorkflowOrchestrator.Name ? "orchestrationTrigger:In" : "activityTrigger:In";
            Assert.Equal([expected], Bindings(function));
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public void Metadata_EndpointTrigger_HasTheEndpointsMethodAndRouteAndBindsTheDurableClient(string name)
    {
        var endpoint = AgentOpsApiEndpoints.Named(name);
        var trigger = Trigger(name);

        Assert.Equal(endpoint.FunctionsRoute, trigger.GetProperty("route").GetString());
        Assert.Equal([endpoint.Method.ToLowerInvariant()], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["durableClient:In", "http:Out", "httpTrigger:In"], Bindings(name));
    }

    // The endpoint's policy decides who may call (as on the standalone host), so the Functions host must not ask for a
    // function key in front of it; no trigger may be left at "function" by accident.
    [Theory]
    [MemberData(nameof(Endpoints))]
    [InlineData(SignInCallback)]
    public void Metadata_HttpTrigger_IsAnonymousToTheFunctionsHostBecauseItsPolicyDecides(string function)
    {
        Assert.Equal("Anonymous", Trigger(function).GetProperty("authLevel").GetString(), ignoreCase: true);
    }

    private static JsonElement Trigger(string function)
    {
        Assert.True(Functions.Value.TryGetValue(function, out var metadata), $"functions.metadata has no function '{function}'.");
        return metadata.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger");
    }

    private static IEnumerable<string> Bindings(string function)
    {
        Assert.True(Functions.Value.TryGetValue(function, out var metadata), $"functions.metadata has no function '{function}'.");
        return metadata.GetProperty("bindings").EnumerateArray()
            .Select(b => $"{b.GetProperty("type").GetString()}:{b.GetProperty("direction").GetString()}").Order(StringComparer.Ordinal);
    }

    [Fact]
    public void WriterMetadata_BuiltApp_ListsOnlyTheWritersRoutesAnonymousWithNoDurableBinding()
    {
        var writer = Load(WriterOutput, "DurableAgentOps.Functions.Writer");

        Assert.Equal(Api.Writer.WriterEndpoints.All.Select(e => e.Name).Order(StringComparer.Ordinal), writer.Keys.Order(StringComparer.Ordinal));
        foreach (var endpoint in Api.Writer.WriterEndpoints.All)
        {
            var bindings = writer[endpoint.Name].GetProperty("bindings").EnumerateArray().ToList();
            var trigger = Assert.Single(bindings, b => b.GetProperty("type").GetString() == "httpTrigger");
            Assert.Equal(endpoint.FunctionsRoute, trigger.GetProperty("route").GetString());
            Assert.Equal([endpoint.Method.ToLowerInvariant()], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
            Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
            Assert.DoesNotContain(bindings, b => b.GetProperty("type").GetString()!.StartsWith("durable", StringComparison.OrdinalIgnoreCase));
        }
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

    private static Dictionary<string, JsonElement> Load(string output, string project)
    {
        var path = Path.Combine(output, "functions.metadata");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Build src/{project} -c {RepoPaths.Configuration} first: no {path}.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone(), StringComparer.Ordinal);
    }
}

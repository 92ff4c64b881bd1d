using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Samples;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The Functions host cannot run here, so the Functions app is checked through what the host reads at startup:
/// the functions.metadata the Worker SDK generates at build, and the host.json next to it.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private const string Starter = "StartOrchestration";

    private static readonly string Output = Path.Combine(RepoPaths.Root, "src", "DurableAgentOps.Functions", "bin", RepoPaths.Configuration, "net10.0");

    private static readonly Lazy<Dictionary<string, JsonElement>> Functions = new(Load);

    [Fact]
    public void Metadata_BuiltApp_ListsExactlyTheWrappers()
    {
        Assert.Equal(
            new[] { GovernedRunOrchestrator.Name, SampleStepActivity.Name, Starter }.Order(StringComparer.Ordinal),
            Functions.Value.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(GovernedRunOrchestrator.Name, "orchestrationTrigger:In")]
    [InlineData(SampleStepActivity.Name, "activityTrigger:In")]
    [InlineData(Starter, "httpTrigger:In", "durableClient:In", "http:Out")]
    public void Metadata_Function_HasItsBindingTypesAndDirections(string function, params string[] expected)
    {
        Assert.True(Functions.Value.TryGetValue(function, out var metadata), $"functions.metadata has no function '{function}'.");

        var bindings = metadata.GetProperty("bindings").EnumerateArray()
            .Select(b => $"{b.GetProperty("type").GetString()}:{b.GetProperty("direction").GetString()}");

        Assert.Equal(expected.Order(StringComparer.Ordinal), bindings.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Metadata_HttpStarter_PostsToTheStandaloneHostsRoute()
    {
        var trigger = Functions.Value[Starter].GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString() == "httpTrigger");

        Assert.Equal("orchestrators/{name}/{instanceId?}", trigger.GetProperty("route").GetString());
        Assert.Equal(["post"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void Output_HostJson_IsTheRepositoryHostJson()
    {
        // host.json is linked, not copied: both hosts must read the same durableTask settings.
        var output = Path.Combine(Output, "host.json");
        Assert.True(File.Exists(output), $"No host.json in {Output}.");
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(output));
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

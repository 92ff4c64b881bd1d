using System.Text.Json.Nodes;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Cli.Runs;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Cli.Tests;

public sealed class RunInputBuilderTests
{
    private static readonly InputField[] Schema =
    [
        new("accountId", "string", true, "^ACC-[0-9]{6}$", null),
        new("maxTasks", "integer", false, null, null),
        new("threshold", "number", false, null, null),
        new("dryRun", "boolean", false, null, null),
    ];

    private static string Build(string? json, params string[] pairs)
    {
        var input = RunInputBuilder.Build(pairs, json, Schema, out var problems);
        Assert.Empty(problems);
        return input.ToJsonString();
    }

    private static List<string> Problems(string? json, params string[] pairs)
    {
        RunInputBuilder.Build(pairs, json, Schema, out var problems);
        return problems;
    }

    [Fact]
    public void Build_SchemaTypes_NumbersAndBooleansSentAsJsonTypes()
    {
        Assert.Equal("""{"accountId":"ACC-000001","maxTasks":3,"threshold":0.10,"dryRun":true}""",
            Build(null, "accountId=ACC-000001", "maxTasks=3", "threshold=0.10", "dryRun=true"));
    }

    [Fact]
    public void Build_StringFieldThatLooksNumeric_StaysString()
    {
        Assert.Equal("""{"accountId":"123456"}""", Build(null, "accountId=123456"));
    }

    [Fact]
    public void Build_FieldNotInSchema_SentAsString()
    {
        Assert.Equal("""{"priority":"1","urgent":"true"}""", Build(null, "priority=1", "urgent=true"));
    }

    [Theory]
    [InlineData("maxTasks=3x", """{"maxTasks":"3x"}""")]
    [InlineData("maxTasks=", """{"maxTasks":""}""")]
    [InlineData("threshold=1,5", """{"threshold":"1,5"}""")]
    [InlineData("dryRun=yes", """{"dryRun":"yes"}""")]
    [InlineData("dryRun=True", """{"dryRun":"True"}""")]
    public void Build_ValueNotOfTheSchemaType_SentAsTextForTheHostToJudge(string pair, string expected)
    {
        Assert.Equal(expected, Build(null, pair));
    }

    [Fact]
    public void Build_ValueContainsEquals_SplitsAtTheFirst()
    {
        Assert.Equal("""{"note":"a=b"}""", Build(null, "note=a=b"));
    }

    [Fact]
    public void Build_InputJsonAndPairs_Merged()
    {
        Assert.Equal("""{"accountId":"ACC-000001","maxTasks":2}""", Build("""{"accountId":"ACC-000001"}""", "maxTasks=2"));
    }

    [Fact]
    public void Build_PairWithoutEquals_Problem()
    {
        Assert.Equal(["--input 'accountId': expected key=value"], Problems(null, "accountId"));
    }

    [Fact]
    public void Build_KeyGivenTwice_Problem()
    {
        Assert.Equal(["--input maxTasks: given more than once"], Problems(null, "maxTasks=1", "maxTasks=2"));
        Assert.Equal(["--input maxTasks: given more than once"], Problems("""{"maxTasks":1}""", "maxTasks=2"));
    }

    [Theory]
    [InlineData("[1]", "--input-json must be a JSON object")]
    [InlineData("{oops", "--input-json is not valid JSON")]
    public void Build_InputJsonNotAnObject_Problem(string json, string expected)
    {
        Assert.StartsWith(expected, Assert.Single(Problems(json)), StringComparison.Ordinal);
    }

    [Fact]
    public void Coerce_LongIntegerId_KeptExactly()
    {
        Assert.Equal("12345678901234567890", RunInputBuilder.Coerce("12345678901234567890", "integer").ToJsonString());
    }

    [Theory]
    [InlineData("https://agentops.example/", null, "https://agentops.example/")]
    [InlineData(null, "http://10.0.0.5:8080", "http://10.0.0.5:8080/")]
    [InlineData("http://option:1", "http://environment:2", "http://option:1/")]
    [InlineData(null, null, "http://127.0.0.1:7071/")]
    [InlineData(" ", "", "http://127.0.0.1:7071/")]
    public void ResolveHost_OptionThenEnvironmentThenDefault(string? option, string? environment, string expected)
    {
        Assert.Equal(expected, HostClient.ResolveHost(option, environment, out _)!.AbsoluteUri);
    }

    [Theory]
    [InlineData("ftp://host")]
    [InlineData("localhost:7071")]
    public void ResolveHost_NotHttp_Refused(string option)
    {
        Assert.Null(HostClient.ResolveHost(option, null, out var problem));
        Assert.Contains(option, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoArguments_EmptyObject()
    {
        Assert.Equal(new JsonObject().ToJsonString(), Build(null));
    }
}

namespace DurableAgentOps.Cli.Tests;

/// <summary>`timeline` and `report` usage errors: each names what is wrong and exits 2 before any request.</summary>
public sealed class StoryCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("agentops-story-cli-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData("timeline")]
    [InlineData("report")]
    public void Command_RunIdWithCharactersIdsNeverHave_ExitsTwoNamingTheArgument(string command)
    {
        var result = CliRunner.InProcess(command, "run/../../etc\u001b[2J");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"agentops {command}: <run> must be 1-200 letters, digits, '-', '_', '.' or ':'; got 'run/../../etc\\u001B[2J'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Error);
    }

    [Fact]
    public void Report_OutputInAFolderThatDoesNotExist_ExitsTwoNamingTheOption()
    {
        var path = Path.Combine(directory, "missing", "report.md");

        var result = CliRunner.InProcess("report", "run-1", "--output", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentops report: --output {path}: its folder does not exist\n", result.Error);
    }

    [Fact]
    public void Report_OutputIsAFolder_ExitsTwo()
    {
        var result = CliRunner.InProcess("report", "run-1", "--output", directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentops report: --output {directory}: is a folder\n", result.Error);
    }

    [Fact]
    public void Report_AnotherFormat_IsRefusedByTheParser()
    {
        var result = CliRunner.InProcess("report", "run-1", "--format", "pdf");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("pdf", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timeline", "--host")]
    [InlineData("report", "--format")]
    [InlineData("report", "--output")]
    public void Help_StoryCommand_PrintsItsOptions(string command, string option)
    {
        var result = CliRunner.InProcess(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(option, result.Out, StringComparison.Ordinal);
    }
}

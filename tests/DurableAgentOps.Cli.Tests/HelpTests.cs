using DurableAgentOps.Cli.Commands;

namespace DurableAgentOps.Cli.Tests;

public sealed class HelpTests
{
    [Theory]
    [InlineData("validate", "Validate workflow files")]
    [InlineData("explain", "Explain what each step")]
    [InlineData("diff", "--allow-widening")]
    [InlineData("run", "--input-json")]
    [InlineData("approve", "--reject")]
    [InlineData("verify", "--against <head-file>")]
    [InlineData("evidence head", "-o, --out <file>")]
    public void Help_EachCommand_PrintsUsageAndExitsZero(string command, string expected)
    {
        var result = CliRunner.InProcess([.. command.Split(' '), "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches($@"Usage:\n +\S+ {command} ", result.Out);
        Assert.Contains(expected, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_Root_ListsEveryRegisteredCommand()
    {
        var result = CliRunner.Executable(AppContext.BaseDirectory, "--help");

        Assert.Equal(0, result.ExitCode);
        // Only the Commands section: the root description itself names validate, explain and run.
        var commands = result.Out[result.Out.IndexOf("Commands:", StringComparison.Ordinal)..];
        Assert.All(CliApp.Commands, c => Assert.Matches($@"(?m)^\s+{c.Create(new CliContext(TextWriter.Null, TextWriter.Null)).Name}\b", commands));
    }
}

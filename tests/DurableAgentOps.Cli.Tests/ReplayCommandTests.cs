using DurableAgentOps.Cli.Commands;

namespace DurableAgentOps.Cli.Tests;

/// <summary>`agentops replay` before and after the host: usage and file errors, and how a host's answer reads.</summary>
public sealed class ReplayCommandTests
{
    [Fact]
    public void Replay_NeitherRunNorBundle_ExitsTwoSayingWhatToGive()
    {
        var result = CliRunner.InProcess("replay");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("name the run to replay", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_BundleFileMissing_ExitsTwoNamingTheFile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.evidence.json");

        var result = CliRunner.InProcess("replay", "--bundle", file, "--host", "http://127.0.0.1:9");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentops replay: cannot read the bundle file '{file}': no such file\n", result.Error);
    }

    [Fact]
    public void Replay_HostUnreachable_ExitsThreeNamingTheUrl()
    {
        var url = RunCommandTests.ClosedPortUrl();

        var result = CliRunner.InProcess("replay", "run-1", "--host", url);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"agentops: cannot reach the DurableAgentOps host at {url}: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_UnknownFormat_Refused()
    {
        var result = CliRunner.InProcess("replay", "run-1", "--format", "yaml");

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Text_SameDecisions_OneLineWithTheCountsAndTheSource()
    {
        var answer = new ReplayAnswerDto("run-1", "ledger", true, new ReplayCountsDto(9, 1, 0, 4), null,
            new ReplayReportDto(new ReplayDefinitionDto("crm-followup", "ab", "ab", true, false), [], "completed: completed", "completed: completed"));

        Assert.Equal("same decisions (9 activities, 1 events, 0 timers compared; source: ledger)\n  definition: today's\n", ReplayCommand.Text(answer));
    }

    [Fact]
    public void Text_Divergence_ExpectedAndGotWithTheDifferingPaths()
    {
        var divergence = new ReplayDivergenceDto(5, "inputDiffers", "input differs", "RouteStepActivity (step route-by-tier): today's input is not the recorded one",
            new ReplayCallDto("activity", "RouteStepActivity", "aa", "route-by-tier"), new ReplayCallDto("activity", "RouteStepActivity", "bb", "route-by-tier"),
            [new ReplayDifferenceDto("step.routes[0].when", "\"account.tier == 'strategic'\"", "\"account.tier == 'key'\"")], 0);
        var answer = new ReplayAnswerDto("run-1", "history", false, new ReplayCountsDto(5, 0, 0, 1), divergence,
            new ReplayReportDto(new ReplayDefinitionDto("crm-followup", "ab", "cd", true, true), ["a note"], "completed: completed", "not reached"));

        var text = ReplayCommand.Text(answer);

        Assert.Equal(
            "diverges at #5 (input differs; source: history): RouteStepActivity (step route-by-tier): today's input is not the recorded one\n" +
            "  expected: activity RouteStepActivity (step route-by-tier) input sha256 aa\n" +
            "  got:      activity RouteStepActivity (step route-by-tier) input sha256 bb\n" +
            "    step.routes[0].when: \"account.tier == 'strategic'\" → \"account.tier == 'key'\"\n" +
            "  definition: today's (today's differs from the run's)\n" +
            "  note: a note\n",
            text);
    }
}

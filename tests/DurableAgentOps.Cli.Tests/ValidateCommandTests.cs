using System.Text.Json;

namespace DurableAgentOps.Cli.Tests;

public sealed class ValidateCommandTests
{
    [Fact]
    public void Validate_ShippedFolder_ExitsZeroWithSummary()
    {
        var result = CliRunner.InProcess("validate", CliRunner.ShippedWorkflows);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("6 file(s) checked: 0 error(s), 0 warning(s)", result.Out.Trim());
    }

    [Fact]
    public void Validate_NoArgumentsInRepository_ChecksWorkflowsFolder()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "validate");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("6 file(s) checked: 0 error(s), 0 warning(s)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ErrorInWorkflow_ExitsOneAndNamesFileLineAndCode()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/support-routing.yaml", "    identity: support-writer\n", "    identity: support-writr\n");

        var result = CliRunner.Executable(repo.Root, "validate");

        Assert.Equal(1, result.ExitCode);
        var line = Array.FindIndex(File.ReadAllLines(repo.PathOf("workflows/support-routing.yaml")), l => l.Contains("support-writr", StringComparison.Ordinal)) + 1;
        Assert.Contains($"workflows/support-routing.yaml:{line}:15: error DAO020: step 'write-assignment': identity 'support-writr' is not in the identity catalogue; did you mean 'support-writer'?\n", result.Out, StringComparison.Ordinal);
        // The catalogue now has an identity no workflow uses.
        Assert.Contains("warning DAO051: identity 'support-writer' is used by no workflow", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadYaml_ExitsOneWithSyntaxErrorLine()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        File.WriteAllText(repo.PathOf("workflows/broken.yaml"), "name: broken\nsteps:\n  - id: a\n    kind: read: x\n");

        var result = CliRunner.InProcess("validate", repo.PathOf("workflows/broken.yaml"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("broken.yaml:4:15: error DAO001: YAML syntax error", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TabIndentation_ExitsOneNamingTheTabsLineAndColumn()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/support-routing.yaml", "\n    identity: support-writer\n", "\n  \t  identity: support-writer\n");
        var lines = File.ReadAllLines(repo.PathOf("workflows/support-routing.yaml"));
        var line = Array.FindIndex(lines, l => l.Contains('\t', StringComparison.Ordinal)) + 1;
        var column = lines[line - 1].IndexOf('\t', StringComparison.Ordinal) + 1;

        var result = CliRunner.Executable(repo.Root, "validate", "workflows/support-routing.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"workflows/support-routing.yaml:{line}:{column}: error DAO001: YAML syntax error: a tab is used for indentation", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingPath_ExitsOneNamingIt()
    {
        var result = CliRunner.InProcess("validate", "no/such/file.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no/such/file.yaml:1:1: error DAO000: no such file or directory", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MisspelledPath_SuggestsTheFileMeant()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "validate", "workflows/ticket-escalaton.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("workflows/ticket-escalaton.yaml:1:1: error DAO000: no such file or directory; did you mean 'workflows/ticket-escalation.yaml'?\n", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_JsonFormat_ListsFindingsWithPositions()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/crm-followup.yaml", "timeout: P3D", "timeout: 3 days");

        var result = CliRunner.InProcess("validate", "--format", "json", repo.PathOf("workflows"));

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(1, json.RootElement.GetProperty("summary").GetProperty("errors").GetInt32());
        var finding = json.RootElement.GetProperty("findings").EnumerateArray().Single();
        Assert.Equal("DAO045", finding.GetProperty("code").GetString());
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.True(finding.GetProperty("line").GetInt32() > 1);
    }

    [Fact]
    public void Validate_UnknownFormat_IsRejected()
    {
        var result = CliRunner.InProcess("validate", "--format", "xml");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("xml", result.Error, StringComparison.Ordinal);
    }
}

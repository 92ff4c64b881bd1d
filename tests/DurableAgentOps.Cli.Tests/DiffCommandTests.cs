namespace DurableAgentOps.Cli.Tests;

public sealed class DiffCommandTests
{
    [Fact]
    public void Diff_LongerTimeout_ExitsTwoAndFlagsIt()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        var old = Path.Combine(CliRunner.ShippedWorkflows, "crm-followup.yaml");
        repo.Edit("workflows/crm-followup.yaml", "timeout: P3D", "timeout: P10D");

        var result = CliRunner.InProcess("diff", old, repo.PathOf("workflows/crm-followup.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("warning DAO205: gate 'director-review': timeout P3D -> P10D (longer)", result.Out, StringComparison.Ordinal);
        Assert.Contains("1 change(s), 1 widening(s)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_DelegatedReadMovedToAServiceIdentity_ExitsTwoAndFlagsTheDelegationChange()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        var old = Path.Combine(CliRunner.ShippedWorkflows, "crm-call-note.yaml");
        repo.Edit("workflows/crm-call-note.yaml", "identity: crm-rep-reader\n", "identity: crm-reader\n");
        var line = Array.FindIndex(File.ReadAllLines(old), l => l == "    identity: crm-rep-reader") + 1;

        var result = CliRunner.InProcess("diff", old, repo.PathOf("workflows/crm-call-note.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"crm-call-note.yaml:{line}:15: warning DAO215: step 'read-my-call' no longer acts for the person who started the run: identity 'crm-reader' is a service identity", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_StartersRemoved_ExitsTwoAndSaysAnyoneWithTheRoleMayStart()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/crm-followup.yaml", "starters:\n  - group: emea-sales\n", string.Empty);

        var result = CliRunner.InProcess("diff", Path.Combine(CliRunner.ShippedWorkflows, "crm-followup.yaml"), repo.PathOf("workflows/crm-followup.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("warning DAO208: starters removed: anyone holding AgentOps.Starter may now start a run (was group emea-sales)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_AllowWidening_ExitsZeroButStillReports()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/invoice-exceptions.yaml", "quorum: 2", "quorum: 1");

        var result = CliRunner.InProcess("diff", "--allow-widening", Path.Combine(CliRunner.ShippedWorkflows, "invoice-exceptions.yaml"), repo.PathOf("workflows/invoice-exceptions.yaml"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("warning DAO206", result.Out, StringComparison.Ordinal);
        Assert.Contains("(allowed by --allow-widening)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_NewVersionWithAnErrorAndAWidening_ReportsBothAndExitsOne()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/crm-followup.yaml", "timeout: P3D", "timeout: P10D");
        repo.Edit("workflows/crm-followup.yaml", "    identity: crm-writer\n", "    identity: crm-writr\n");

        var result = CliRunner.Executable(repo.Root, "diff", Path.Combine(CliRunner.ShippedWorkflows, "crm-followup.yaml"), "workflows/crm-followup.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error DAO020: step 'write-followup': identity 'crm-writr' is not in the identity catalogue; did you mean 'crm-writer'?", result.Error, StringComparison.Ordinal);
        Assert.Contains("warning DAO205: gate 'director-review': timeout P3D -> P10D (longer)", result.Out, StringComparison.Ordinal);
        Assert.Contains("1 widening(s)", result.Out, StringComparison.Ordinal);
        Assert.Contains("agentops diff: 1 error(s) above", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_GateDeleted_FlagsTheRemovedGateOnTheOldFileAndExitsOne()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        var old = Path.Combine(CliRunner.ShippedWorkflows, "support-routing.yaml");
        var start = Array.FindIndex(File.ReadAllLines(old), l => l == "  duty-manager:") + 1;
        var text = File.ReadAllText(repo.PathOf("workflows/support-routing.yaml"));
        var gate = text[text.IndexOf("  duty-manager:\n", StringComparison.Ordinal)..];
        gate = gate[..(gate.IndexOf("\n\n", StringComparison.Ordinal) + 2)];
        repo.Edit("workflows/support-routing.yaml", gate, string.Empty);

        var result = CliRunner.Executable(repo.Root, "diff", old, "workflows/support-routing.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{old}:{start}:3: warning DAO204: gate 'duty-manager' removed from 'gates', but the escalation of gate 'support-lead' still name(s) it", result.Out, StringComparison.Ordinal);
        Assert.Contains("error DAO042", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_WriteNoLongerWaitsForAnyone_ExitsTwoWithTheRemovedGate()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/support-routing.yaml", "    approval:\n      gate: support-lead\n      when: ticket.priority in [P1, P2]\n", "    approval: none\n    justification: Assignments are reversible.\n");

        var result = CliRunner.Executable(repo.Root, "diff", Path.Combine(CliRunner.ShippedWorkflows, "support-routing.yaml"), "workflows/support-routing.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("warning DAO204: step 'write-assignment' no longer waits for approval", result.Out, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public void Diff_NewVersionUnreadable_ExitsOneSayingItCannotCompare()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/crm-followup.yaml", "\n  - id: read-last-call\n", "\n\t- id: read-last-call\n");

        var result = CliRunner.Executable(repo.Root, "diff", Path.Combine(CliRunner.ShippedWorkflows, "crm-followup.yaml"), "workflows/crm-followup.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error DAO001: YAML syntax error: a tab is used for indentation", result.Error, StringComparison.Ordinal);
        Assert.Contains("agentops diff: workflows/crm-followup.yaml could not be read as a workflow", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void Diff_NarrowingOnly_ExitsZero()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/invoice-exceptions.yaml", "quorum: 2", "quorum: 3");

        var result = CliRunner.InProcess("diff", Path.Combine(CliRunner.ShippedWorkflows, "invoice-exceptions.yaml"), repo.PathOf("workflows/invoice-exceptions.yaml"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("info DAO250: gate 'controller-approval': quorum 2 -> 3", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_GitRevisionAgainstWorkingTree_ReadsOldVersionAndItsCatalogueFromGit()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Git("init", "-q");
        repo.Git("add", "workflows");
        repo.Git("commit", "-q", "-m", "workflows");
        repo.Edit("workflows/identities.yaml", "fields: [queue, triageSummary]", "fields: [queue, triageSummary, priority]");
        repo.Edit("workflows/support-routing.yaml", "fields: [queue, triageSummary]", "fields: [queue, triageSummary, priority]");

        var result = CliRunner.Executable(repo.Root, "diff", "HEAD:workflows/support-routing.yaml", "workflows/support-routing.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("workflows/support-routing.yaml:", result.Out, StringComparison.Ordinal);
        Assert.Contains("warning DAO202: step 'write-assignment' adds field 'priority' to its scope", result.Out, StringComparison.Ordinal);
        Assert.Contains("workflows/identities.yaml:", result.Out, StringComparison.Ordinal);
        Assert.Contains("warning DAO202: identity 'support-writer' may newly write support field 'priority'", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_GitRevisionWhoseSystemDeclarationChanged_FlagsTheOperationDeclaredDifferently()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Git("init", "-q");
        repo.Git("add", "workflows");
        repo.Git("commit", "-q", "-m", "workflows");
        repo.Edit("workflows/systems/support.yaml", "path: /support/tickets/{record.id}/assignment", "path: /support/tickets/{record.id}/assignment?force=true");

        var result = CliRunner.Executable(repo.Root, "diff", "HEAD:workflows/support-routing.yaml", "workflows/support-routing.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("warning DAO214: support.assignments.write is declared differently in workflows/systems/support.yaml: PUT /support/tickets/{record.id}/assignment?force=true (was PUT /support/tickets/{record.id}/assignment)",
            result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_UnknownRevision_ExitsOneWithGitError()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Git("init", "-q");

        var result = CliRunner.Executable(repo.Root, "diff", "nope:workflows/crm-followup.yaml", "workflows/crm-followup.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nope:workflows/crm-followup.yaml:1:1: error DAO000: cannot read from git", result.Error, StringComparison.Ordinal);
    }
}

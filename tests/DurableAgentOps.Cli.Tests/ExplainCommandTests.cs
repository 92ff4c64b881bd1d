using System.Text.Json;

namespace DurableAgentOps.Cli.Tests;

public sealed class ExplainCommandTests
{
    private static string Crm => Path.Combine(CliRunner.ShippedWorkflows, "crm-followup.yaml");

    [Fact]
    public void Explain_Table_ShowsEachStepWithIdentityClientIdAndApproval()
    {
        var result = CliRunner.InProcess("explain", Crm);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("crm-followup v1 (owner sales-ops@contoso.example)", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"\| 1 \| read-account +\| crm-reader +\| system: crm +\| AUTOMATIC", result.Out);
        Assert.Matches(@"\| 5 \| write-followup +\| crm-writer +\| system: crm +\| APPROVAL", result.Out);
        Assert.Contains("6f1c0a10-0000-4000-8000-000000000002", result.Out, StringComparison.Ordinal);
        Assert.Contains("retention: P400D", result.Out, StringComparison.Ordinal);
        Assert.Contains("Who may start: holders of AgentOps.Starter who are also one of: group emea-sales", result.Out, StringComparison.Ordinal);
        Assert.All(result.Out.Split('\n'), line => Assert.True(line.All(char.IsAscii), line));
    }

    [Fact]
    public void Explain_Markdown_RendersPullRequestTables()
    {
        var result = CliRunner.InProcess("explain", Crm, "--format", "markdown", "--environment", "azure");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("## `crm-followup` v1", result.Out, StringComparison.Ordinal);
        Assert.Contains("| 1 | `read-account` (read) | `crm-reader` | `${CRM_READER_CLIENT_ID}` | system: crm<br>operations: crm.accounts.read<br>records: region: emea<br>fields: none may be written<br>call crm.accounts.read: GET /crm/accounts/{input.accountId}; record input.accountId | automatic: changes nothing |", result.Out, StringComparison.Ordinal);
        Assert.Contains("| `director-review` | group emea-sales-directors, person head.of.sales@contoso.example | 1 of 2 | P3D | P1D | none | teams, email | on | reject |", result.Out, StringComparison.Ordinal);
        Assert.Contains("- **Redacted:** call.transcript\n", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_MisspelledWorkflowName_SuggestsTheWorkflowMeantAndExitsOne()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "explain", "crm-folowup");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("agentops explain: no workflow named 'crm-folowup' in workflows/; did you mean 'crm-followup'?\n", result.Error);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void Explain_MisspelledWorkflowPath_SuggestsTheFileMeant()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "explain", "workflows/suport-routing.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("agentops explain: no such file: workflows/suport-routing.yaml; did you mean 'workflows/support-routing.yaml'?\n", result.Error);
    }

    [Fact]
    public void Explain_WorkflowNameLikeNoneThere_SuggestsNothing()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "explain", "payroll-export");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("agentops explain: no workflow named 'payroll-export' in workflows/\n", result.Error);
    }

    [Fact]
    public void Explain_TextFormat_IsTheTable()
    {
        var text = CliRunner.InProcess("explain", Crm, "--format", "text");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal(CliRunner.InProcess("explain", Crm).Out, text.Out);
    }

    [Fact]
    public void Explain_Json_CarriesTheExplanationModel()
    {
        var result = CliRunner.InProcess("explain", Crm, "--format", "json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        Assert.Equal("crm-followup", root.GetProperty("name").GetString());
        Assert.Equal("holders of AgentOps.Starter who are also one of: group emea-sales", root.GetProperty("starters").GetProperty("summary").GetString());
        var write = root.GetProperty("steps")[4];
        Assert.Equal(("write-followup", "write"), (write.GetProperty("id").GetString(), write.GetProperty("kind").GetString()));
        Assert.Equal("6f1c0a10-0000-4000-8000-000000000002", write.GetProperty("clientId").GetString());
    }

    [Fact]
    public void Explain_DelegatedSteps_SayWhomTheyActForAndThatTheWriteIsMadeAsThePersonInEveryFormat()
    {
        const string Reader = "acts for the initiator (delegated) via app 6f1c0a10-0000-4000-8000-0000000000a1, limited to crm.calls.read on region: emea and to what the person may do in crm";
        var callNote = Path.Combine(CliRunner.ShippedWorkflows, "crm-call-note.yaml");

        var table = CliRunner.InProcess("explain", callNote);
        var markdown = CliRunner.InProcess("explain", callNote, "--format", "markdown");
        var json = CliRunner.InProcess("explain", callNote, "--format", "json");

        Assert.Equal((0, 0, 0), (table.ExitCode, markdown.ExitCode, json.ExitCode));
        Assert.Matches(@"\| 2 \| read-my-call +\| crm-rep-reader +\|", table.Out);
        Assert.Matches(@"\| +\| +\| acts for the initiator \(delegated\) via +\|", table.Out);
        Assert.Matches(@"\| the change is made as the person who started the run +\|", table.Out);
        Assert.Contains($"| 2 | `read-my-call` (read) | `crm-rep-reader`<br>{Reader} | `6f1c0a10-0000-4000-8000-0000000000a1` |", markdown.Out, StringComparison.Ordinal);
        Assert.Contains("**approval**: manager-review (1 of group emea-sales-managers; timeout P2D)<br>the change is made as the person who started the run", markdown.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out);
        var steps = document.RootElement.GetProperty("steps");
        Assert.Equal(("initiator", Reader), (steps[1].GetProperty("actsFor").GetString(), steps[1].GetProperty("delegation").GetString()));
        Assert.False(steps[0].TryGetProperty("actsFor", out _)); // a service identity's step has neither field
        Assert.False(steps[0].TryGetProperty("delegation", out _));
        Assert.Contains("the change is made as the person who started the run", steps[3].GetProperty("approval").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_SeparateWriter_NamesTheWriterInEveryFormat()
    {
        const string Summary = "separate-writer: write steps run in the writer, a separate app that alone holds finance-writer;";
        var invoice = Path.Combine(CliRunner.ShippedWorkflows, "invoice-exceptions.yaml");

        var table = CliRunner.InProcess("explain", invoice);
        var markdown = CliRunner.InProcess("explain", invoice, "--format", "markdown");
        var json = CliRunner.InProcess("explain", invoice, "--format", "json");

        Assert.Contains($"Isolation: {Summary}", table.Out, StringComparison.Ordinal);
        Assert.Contains($"- **Isolation:** {Summary}", markdown.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out);
        var isolation = document.RootElement.GetProperty("isolation");
        Assert.Equal("separate-writer", isolation.GetProperty("declared").GetString());
        Assert.True(isolation.GetProperty("enforcement").GetProperty("enforced").GetBoolean());
        Assert.StartsWith(Summary, isolation.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_Table_MarksEveryDeclaredOnlyLine()
    {
        var result = CliRunner.InProcess("explain", Crm);
        var evidence = result.Out[result.Out.IndexOf("\nEvidence", StringComparison.Ordinal)..].Trim().Split('\n');

        Assert.Equal("Evidence", evidence[0]); // the ledger keeps it: retention, kept kinds and redaction are enforced
        Assert.DoesNotContain(evidence, line => line.Contains(Core.Explain.Enforcement.NotEnforced, StringComparison.Ordinal));
        Assert.StartsWith("  ledger:    a signed, hash-chained record", evidence[1], StringComparison.Ordinal);
        Assert.Contains("separate-writer", CliRunner.InProcess("explain", Path.Combine(CliRunner.ShippedWorkflows, "invoice-exceptions.yaml")).Out, StringComparison.Ordinal);
        Assert.DoesNotContain("no notifications", result.Out, StringComparison.Ordinal); // channels, reminders and escalation are enforced now
    }

    [Fact]
    public void Explain_Json_CarriesGateAndEvidenceMarks()
    {
        var result = CliRunner.InProcess("explain", Crm, "--format", "json");

        using var json = JsonDocument.Parse(result.Out);
        var manager = json.RootElement.GetProperty("gates")[0];
        Assert.True(manager.GetProperty("channelsEnforcement").GetProperty("enforced").GetBoolean());
        Assert.True(manager.GetProperty("remindersEnforcement").GetProperty("enforced").GetBoolean());
        Assert.True(manager.GetProperty("escalatesToEnforcement").GetProperty("enforced").GetBoolean());
        Assert.True(manager.GetProperty("escalatesAfterEnforcement").GetProperty("enforced").GetBoolean());
        Assert.True(json.RootElement.GetProperty("evidence").GetProperty("enforcement").GetProperty("enforced").GetBoolean());
        Assert.True(json.RootElement.GetProperty("evidence").GetProperty("keptEnforcement").GetProperty("enforced").GetBoolean());
    }

    [Fact]
    public void Explain_NoStarters_SaysAnyoneWithTheRole()
    {
        var result = CliRunner.InProcess("explain", Path.Combine(CliRunner.ShippedWorkflows, "support-routing.yaml"), "--format", "markdown");

        Assert.Contains("- **Who may start:** anyone holding the AgentOps.Starter role", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_BareNameInRepository_FindsWorkflowsFile()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "explain", "support-routing");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("when ticket.priority in [P1, P2]", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_InvalidWorkflow_ExitsOneWithFindings()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/crm-followup.yaml", "quorum: 1\n    separationOfDuties", "quorum: 5\n    separationOfDuties");

        var result = CliRunner.InProcess("explain", repo.PathOf("workflows/crm-followup.yaml"));

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.Contains("error DAO044", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_MissingFile_ExitsOne()
    {
        var result = CliRunner.InProcess("explain", "nowhere/none.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("agentops explain: no such file: nowhere/none.yaml\n", result.Error);
    }
}

public sealed class WorkflowDocsTests
{
    private static string Docs => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "WORKFLOWS.md"));

    /// <summary>The finding and diff code tables in docs/WORKFLOWS.md list every code once, and no code the product lacks.</summary>
    [Fact]
    public void WorkflowsDoc_CodeTables_ListEveryFindingCodeOnce()
    {
        var documented = Docs.Split('\n').Where(l => l.StartsWith("| DAO", StringComparison.Ordinal)).Select(l => l[2..8]).ToList();
        var codes = typeof(DurableAgentOps.Core.Diagnostics.FindingCodes)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => (string)f.GetValue(null)!)
            .Where(c => c != DurableAgentOps.Core.Diagnostics.FindingCodes.Changed);

        Assert.Equal(documented.Distinct(), documented);
        Assert.Equal(codes.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    /// <summary>docs/WORKFLOWS.md embeds explain output; this keeps it from going stale.</summary>
    [Theory]
    [InlineData("crm-followup")]
    [InlineData("invoice-exceptions")]
    [InlineData("support-routing")]
    [InlineData("ticket-escalation")]
    [InlineData("crm-call-note")]
    public void WorkflowsDoc_EmbeddedExplainOutput_MatchesCurrentOutput(string workflow)
    {
        var docs = Docs;
        var result = CliRunner.InProcess("explain", Path.Combine(CliRunner.ShippedWorkflows, workflow + ".yaml"), "--format", "markdown");
        var embedded = string.Join('\n', result.Out.Split('\n').Select(l => l.StartsWith("## ", StringComparison.Ordinal) || l.StartsWith("### ", StringComparison.Ordinal) ? "##" + l : l));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(embedded.TrimEnd(), docs, StringComparison.Ordinal);
    }
}

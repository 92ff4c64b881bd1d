namespace DurableAgentOps.Cli.Tests;

/// <summary>
/// agentops systems import openapi: a draft from an OpenAPI document that, once the system is in the catalogue,
/// validates as a declaration a workflow can use; and clear refusals for what it cannot read.
/// </summary>
public sealed class SystemsImportTests
{
    private static string Document(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "openapi", name);

    [Fact]
    public void ImportOpenApi_YamlDocument_DraftsOperationsThatValidateOnceTheSystemIsCatalogued()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        var draft = repo.PathOf("workflows/systems/ledger.yaml");

        var result = CliRunner.InProcess("systems", "import", "openapi", Document("ledger.yaml"), "--system", "ledger", "--output", draft);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("3 operation(s) of resources adjustments, entries", result.Out, StringComparison.Ordinal);
        Assert.Contains("skipped HEAD /entries/{entryId}/adjustments", result.Error, StringComparison.Ordinal);
        var text = File.ReadAllText(draft);
        Assert.Contains("  entries.read:  # getEntry Read one entry\n    method: GET\n    path: \"/api/v2/entries/{input.entryId}\"\n    record:\n      id: input.entryId\n", text, StringComparison.Ordinal);
        Assert.Contains("  adjustments.create:  # createAdjustment Post an adjustment to an entry\n    method: POST\n    path: \"/api/v2/entries/{record.id}/adjustments\"\n", text, StringComparison.Ordinal);
        Assert.Contains("      from: draft.adjustment\n    success: [201]\n", text, StringComparison.Ordinal);

        repo.Edit("workflows/identities.yaml", "systems:\n", "systems:\n  ledger:\n    kind: business\n    description: The ledger.\n    resources: [adjustments, entries]\n");
        var validated = CliRunner.InProcess("validate", repo.PathOf("workflows/systems/ledger.yaml"));
        Assert.True(validated.ExitCode == 0, validated.Out + validated.Error);
        Assert.Contains("0 error(s)", validated.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportOpenApi_DataverseShapedJson_KeepsTheServerPathAndKeyedSegments()
    {
        var result = CliRunner.InProcess("systems", "import", "openapi", Document("dataverse.json"), "--system", "dataverse", "--resource", "https://contoso.crm4.dynamics.com");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("resource: \"https://contoso.crm4.dynamics.com\"", result.Out, StringComparison.Ordinal);
        Assert.Contains("  accounts.read:  # GetAccount\n    method: GET\n    path: \"/api/data/v9.2/accounts({input.accountid})\"", result.Out, StringComparison.Ordinal);
        Assert.Contains("  accounts.update:  # UpdateAccount\n    method: PATCH\n    path: \"/api/data/v9.2/accounts({record.id})\"", result.Out, StringComparison.Ordinal);
        Assert.Contains("# Base URL: the setting AgentOps__Systems__Endpoints__dataverse__BaseUrl (https://contoso.crm4.dynamics.com;", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportOpenApi_OutputExists_RefusedAndTheFileIsUntouched()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        var existing = repo.PathOf("workflows/systems/crm.yaml");
        var before = File.ReadAllText(existing);

        var result = CliRunner.InProcess("systems", "import", "openapi", Document("ledger.yaml"), "--system", "crm", "--output", existing);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("exists; remove it or choose another --output", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(existing));
    }

    [Theory]
    [InlineData("no-such-document.yaml", "cannot read")]
    [InlineData("not-openapi.json", "is not an OpenAPI 3.x document it can read")]
    public void ImportOpenApi_UnreadableDocument_ExitsOneNamingIt(string name, string message)
    {
        var result = CliRunner.InProcess("systems", "import", "openapi", Document(name), "--system", "ledger");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void ImportOpenApi_InvalidSystemName_ExitsOne()
    {
        var result = CliRunner.InProcess("systems", "import", "openapi", Document("ledger.yaml"), "--system", "9 ledger");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--system '9 ledger' must start with a letter", result.Error, StringComparison.Ordinal);
    }

    /// <summary>docs/SYSTEMS.md's worked examples (Dataverse, ServiceNow) are declarations that validate as written.</summary>
    [Fact]
    public void SystemsDoc_WorkedExamples_ValidateAgainstTheCatalogueTheyShow()
    {
        var doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "SYSTEMS.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(doc, "```yaml\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).ToList();
        var catalogue = blocks.Single(b => b.StartsWith("systems:", StringComparison.Ordinal));
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/identities.yaml", "systems:\n", "systems:\n" + catalogue.Split("identities:\n")[0]["systems:\n".Length..]
            + "  servicenow:\n    kind: business\n    description: ServiceNow.\n    resources: [incidents]\n");
        repo.Edit("workflows/identities.yaml", "identities:\n", "identities:\n" + catalogue.Split("identities:\n")[1]);
        foreach (var declaration in blocks.Where(b => b.StartsWith("system: ", StringComparison.Ordinal)))
        {
            var name = declaration.Split('\n')[0]["system: ".Length..].Trim();
            File.WriteAllText(repo.PathOf($"workflows/systems/{name}.yaml"), declaration);
        }

        var result = CliRunner.InProcess("validate", repo.PathOf("workflows/systems/dataverse.yaml"), repo.PathOf("workflows/systems/servicenow.yaml"));

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Equal(2, blocks.Count(b => b.StartsWith("system: ", StringComparison.Ordinal)));
    }
}

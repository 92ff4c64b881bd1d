using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Core.Tests;

public sealed class NearestNameTests
{
    private static readonly string[] Identities = ["crm-reader", "crm-writer", "drafter", "router", "support-writer"];

    [Theory]
    [InlineData("crm-writre", "crm-writer")] // two neighbours swapped: one edit
    [InlineData("crm-wrter", "crm-writer")] // a letter left out
    [InlineData("CRM-Writer", "crm-writer")] // case only
    [InlineData("drafterr", "drafter")]
    [InlineData("suport-writer", "support-writer")]
    public void Find_CloseMisspelling_SuggestsTheKnownName(string typed, string expected) =>
        Assert.Equal(expected, NearestName.Find(typed, Identities));

    [Theory]
    [InlineData("payments-bot")]
    [InlineData("crm")] // a short prefix is not a misspelling
    [InlineData("xy")]
    [InlineData("")]
    public void Find_NothingClose_SuggestsNothing(string typed)
    {
        Assert.Null(NearestName.Find(typed, Identities));
        Assert.Equal(string.Empty, NearestName.Hint(typed, Identities));
    }

    [Fact]
    public void Find_TheKnownNameItself_SuggestsNothing() => Assert.Null(NearestName.Find("router", Identities));

    [Fact]
    public void Find_TwoEquallyClose_SuggestsTheFirstInOrdinalOrder() =>
        Assert.Equal("region-a", NearestName.Find("region-c", ["region-b", "region-a"]));

    [Fact]
    public void Find_ShortNames_AllowOnlyOneEdit()
    {
        Assert.Equal("crm", NearestName.Find("crn", ["crm", "model"]));
        Assert.Null(NearestName.Find("cxn", ["crm", "model"]));
    }

    [Theory]
    [InlineData("identity: crm-writer", "identity: crm-writre", FindingCodes.UnknownIdentity, "crm-writer")]
    [InlineData("from: [draft-followup, route-by-tier]", "from: [draft-folowup, route-by-tier]", FindingCodes.FromMissingStep, "draft-followup")]
    [InlineData("gate: director-review\n      - to", "gate: directr-review\n      - to", FindingCodes.UnknownGate, "director-review")]
    [InlineData("to: director-review\n    quorum", "to: director-reveiw\n    quorum", FindingCodes.UnknownGate, "director-review")]
    [InlineData("route: route-by-tier", "route: route-by-teir", FindingCodes.UnknownGate, "route-by-tier")]
    [InlineData("group: emea-sales-managers", "group: emea-sales-manager", FindingCodes.UnknownGroup, "emea-sales-managers")]
    [InlineData("    description: Create the task", "    descripton: Create the task", FindingCodes.UnknownKey, "description")]
    [InlineData(
        "system: crm\n    operation: crm.accounts.read\n    scope:\n      operations: [crm.accounts.read]",
        "system: crmm\n    operation: crmm.accounts.read\n    scope:\n      operations: [crmm.accounts.read]",
        FindingCodes.UnknownSystem, "crm")]
    [InlineData("operation: crm.tasks.create\n    scope:\n      operations: [crm.tasks.create,", "operation: crm.taks.create\n    scope:\n      operations: [crm.taks.create,", FindingCodes.UnknownOperation, "tasks")]
    [InlineData("- when: account.tier == 'strategic'", "- when: account.teir == 'strategic'", FindingCodes.FieldNotInSchema, "tier")]
    [InlineData("      records:\n        region: [emea]\n      fields: [subject", "      records:\n        regoin: [emea]\n      fields: [subject", FindingCodes.ScopeAttributeNotDeclared, "region")]
    public void Validate_MisspelledName_SuggestsTheNameMeant(string from, string to, string code, string meant)
    {
        var loaded = Load(from, to);

        // A name written twice (a step's operation and its scope) is reported, and suggested, at each place.
        var findings = loaded.Findings.Where(f => f.Code == code).ToList();
        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.EndsWith($"; did you mean '{meant}'?", f.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("identity: crm-writer", "identity: payments-bot", FindingCodes.UnknownIdentity)]
    [InlineData("from: [draft-followup, route-by-tier]", "from: [summarise, route-by-tier]", FindingCodes.FromMissingStep)]
    [InlineData("gate: director-review\n      - to", "gate: legal\n      - to", FindingCodes.UnknownGate)]
    public void Validate_NameLikeNothingKnown_SuggestsNothing(string from, string to, string code)
    {
        var loaded = Load(from, to);

        var finding = Assert.Single(loaded.Findings, f => f.Code == code);
        Assert.DoesNotContain("did you mean", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateCatalogue_GrantOnAMisspelledSystem_SuggestsTheSystem()
    {
        var text = TestFiles.Edit(TestFiles.Read(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName)), "grants:\n      crm:", "grants:\n      cmr:");

        var loaded = WorkflowLoader.ParseCatalogue(text, WorkflowLoader.CatalogueFileName);

        var findings = loaded.Findings.Where(f => f.Code == FindingCodes.UnknownSystem).ToList();
        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.EndsWith("; did you mean 'crm'?", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateDeclaration_RecordOfAMisspelledResource_SuggestsTheResource()
    {
        var catalogue = WorkflowLoader.ParseCatalogue(TestFiles.Read(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName)), WorkflowLoader.CatalogueFileName);
        var crm = TestFiles.Edit(TestFiles.Read(Path.Combine(TestFiles.Workflows, "systems", "crm.yaml")), "records:\n  accounts:", "records:\n  acounts:");

        var loaded = SystemFiles.Attach(catalogue, [("systems/crm.yaml", System.Text.Encoding.UTF8.GetBytes(crm))]);

        var finding = Assert.Single(loaded.Findings, f => f.Code == FindingCodes.UnknownOperation);
        Assert.EndsWith("; did you mean 'accounts'?", finding.Message, StringComparison.Ordinal);
    }

    private static LoadedWorkflow Load(string from, string to)
    {
        var text = TestFiles.Edit(TestFiles.Read(TestFiles.Workflow("crm-followup")), from, to);
        return WorkflowLoader.Parse(text, "crm-followup.yaml", TestFiles.ShippedCatalogue());
    }
}

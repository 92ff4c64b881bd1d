using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Tests;

public sealed class ShippedWorkflowTests
{
    public static TheoryData<string> Shipped => new() { "crm-call-note", "crm-followup", "invoice-exceptions", "support-routing", "ticket-escalation" };

    [Fact]
    public void Validate_WorkflowsFolder_HasNoFindingsAtAll()
    {
        var report = WorkflowSetValidator.Validate([TestFiles.Workflows]);

        Assert.Equal(6, report.Files.Count);
        Assert.Empty(report.Findings);
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Load_ShippedWorkflow_IsCleanAndWellFormed(string name)
    {
        var loaded = WorkflowLoader.Load(TestFiles.Workflow(name));

        Assert.False(loaded.HasErrors);
        Assert.Empty(loaded.Findings);
        var definition = loaded.Definition!;
        Assert.Equal(name, definition.Name);
        // Reads, then a draft, a route where the workflow routes, and the write last.
        var kinds = definition.Steps.Select(s => s.Kind).Distinct().ToList();
        Assert.True(kinds.SequenceEqual([StepKind.Read, StepKind.Draft, StepKind.Route, StepKind.Write]) || kinds.SequenceEqual([StepKind.Read, StepKind.Draft, StepKind.Write]), string.Join(", ", kinds));
        Assert.All(definition.Steps.Where(s => s.Kind == StepKind.Write), s => Assert.NotEqual(ApprovalMode.None, s.Approval.Mode));
    }

    [Fact]
    public void Load_SupportRouting_GatesTheWriteOnlyAbovePriority()
    {
        var write = WorkflowLoader.Load(TestFiles.Workflow("support-routing")).Definition!.FindStep("write-assignment")!;

        Assert.Equal(ApprovalMode.Gate, write.Approval.Mode);
        Assert.Equal("support-lead", write.Approval.Gate);
        Assert.Equal("ticket.priority in [P1, P2]", write.Approval.When);
    }

    [Fact]
    public void Load_CrmFollowup_OnlyEmeaSalesStart()
    {
        var definition = WorkflowLoader.Load(TestFiles.Workflow("crm-followup")).Definition!;

        Assert.Equal([new Starter(StarterKind.Group, "emea-sales")], definition.Starters);
    }

    [Fact]
    public void LoadCatalogue_Shipped_QualifiesGrantOperationsWithTheirSystem()
    {
        var catalogue = TestFiles.ShippedCatalogue().Catalogue;

        Assert.Equal(["crm.accounts.read", "crm.calls.read"], catalogue.Find("crm-reader")!.GrantedOperations);
        Assert.Equal(["model.completions.create"], catalogue.Find("drafter")!.GrantedOperations);
        Assert.Empty(catalogue.Find("router")!.Grants);
        Assert.True(catalogue.IsWrite("crm.tasks.create"));
        Assert.False(catalogue.IsWrite("crm.accounts.read"));
        Assert.False(catalogue.IsWrite("model.completions.create"));
    }

    [Fact]
    public void LoadCatalogue_Shipped_BindsGroupsWithLocalAndAzureObjectIds()
    {
        var catalogue = TestFiles.ShippedCatalogue().Catalogue;

        Assert.Equal(
            ["emea-sales", "emea-sales-managers", "emea-sales-directors", "ap-clerks", "finance-managers", "finance-controllers", "support-leads"],
            catalogue.Groups.Select(g => g.Name));
        var managers = catalogue.FindGroup("emea-sales-managers")!;
        Assert.Equal("9a000001-0000-4000-8000-000000000001", managers.ObjectIds["local"]);
        Assert.Equal("${EMEA_SALES_MANAGERS_GROUP_ID}", managers.ObjectIds["azure"]);
        Assert.NotEmpty(managers.Description);
    }
}

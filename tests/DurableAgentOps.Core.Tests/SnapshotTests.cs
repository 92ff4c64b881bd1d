using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Snapshot;

namespace DurableAgentOps.Core.Tests;

public sealed class SnapshotTests
{
    private static WorkflowSnapshot SnapshotOf(string text) =>
        WorkflowLoader.Parse(text, "crm-followup.yaml", TestFiles.ShippedCatalogue()).ToSnapshot();

    [Fact]
    public void ToSnapshot_CrmFollowup_CarriesOnlyTheIdentitiesItsStepsUse()
    {
        var snapshot = WorkflowLoader.Load(TestFiles.Workflow("crm-followup")).ToSnapshot();

        Assert.Equal(["crm-reader", "crm-writer", "drafter", "router"], snapshot.Identities.Select(i => i.Name));
        Assert.Equal(["crm", "model"], snapshot.Systems.Select(s => s.Name));
        Assert.Equal(["emea-sales", "emea-sales-directors", "emea-sales-managers"], snapshot.Groups.Select(g => g.Name));
        Assert.Matches("^[0-9a-f]{64}$", snapshot.Sha256);
    }

    [Fact]
    public void ToSnapshot_InvoiceExceptions_CarriesTheGroupsItsGatesNameWithObjectIds()
    {
        var snapshot = WorkflowLoader.Load(TestFiles.Workflow("invoice-exceptions")).ToSnapshot();

        Assert.Equal(["ap-clerks", "finance-controllers", "finance-managers"], snapshot.Groups.Select(g => g.Name));
        Assert.Equal("9a000001-0000-4000-8000-000000000003", snapshot.Groups[0].ObjectIds["local"]);
        Assert.Equal("${AP_CLERKS_GROUP_ID}", snapshot.Groups[0].ObjectIds["azure"]);
    }

    [Fact]
    public void ComputeSha256_GroupObjectIdChanges_HashChanges()
    {
        var text = TestFiles.Read(TestFiles.Workflow("crm-followup"));
        var catalogueText = TestFiles.Read(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName));
        var moved = WorkflowLoader.ParseCatalogue(TestFiles.Edit(catalogueText, "local: 9a000001-0000-4000-8000-000000000001", "local: 9a000001-0000-4000-8000-0000000000ff"), "identities.yaml");

        var changed = WorkflowLoader.Parse(text, "crm-followup.yaml", moved).ToSnapshot();

        Assert.NotEqual(SnapshotOf(text).Sha256, changed.Sha256);
        Assert.True(changed.IsIntact());
    }

    [Fact]
    public void IsIntact_TamperedGroupObjectId_IsFalse()
    {
        var snapshot = WorkflowLoader.Load(TestFiles.Workflow("crm-followup")).ToSnapshot();
        var group = snapshot.Groups[0];

        var tampered = snapshot with { Groups = [group with { ObjectIds = new Dictionary<string, string> { ["local"] = "9a000001-0000-4000-8000-0000000000ff" } }, .. snapshot.Groups.Skip(1)] };

        Assert.False(tampered.IsIntact());
    }

    [Fact]
    public void ToJson_RoundTrip_KeepsTheHashValid()
    {
        var snapshot = WorkflowLoader.Load(TestFiles.Workflow("invoice-exceptions")).ToSnapshot();

        var restored = WorkflowSnapshot.FromJson(snapshot.ToJson());

        Assert.Equal(snapshot.Sha256, restored.Sha256);
        Assert.True(restored.IsIntact());
        Assert.Equal(snapshot.Definition.Steps.Count, restored.Definition.Steps.Count);
        Assert.Equal(snapshot.Definition.Steps[^1].Approval, restored.Definition.Steps[^1].Approval);
    }

    [Fact]
    public void RedactPaths_SensitiveFieldTheFileDoesNotList_IsRedactedFromThePinnedSchemaAfterARoundTrip()
    {
        var loaded = WorkflowLoader.Load(TestFiles.Workflow("crm-followup"));
        var unlisted = loaded.Definition! with { Evidence = loaded.Definition.Evidence with { Redact = [] } };
        var snapshot = WorkflowSnapshot.Create(unlisted, loaded.Catalogue.Catalogue);

        var restored = WorkflowSnapshot.FromJson(snapshot.ToJson());

        Assert.True(restored.IsIntact());
        Assert.Equal(["call.transcript"], restored.RedactPathsFor(restored.Definition.Steps.Single(s => s.Id == "read-last-call")));
        Assert.Empty(restored.RedactPathsFor(restored.Definition.Steps.Single(s => s.Id == "read-account")));
        Assert.Equal(["accounts", "calls"], restored.Declarations!.Single(d => d.System == "crm").Records!.Keys.Order(StringComparer.Ordinal));
        Assert.All(restored.Definition.Steps, s => Assert.All(restored.DeclarationsFor(s) ?? [], d => Assert.Null(d.Records)));
    }

    /// <summary>The Durable Task SDK's default data converter uses plain System.Text.Json options.</summary>
    [Fact]
    public void Serialize_DefaultJsonOptionsRoundTrip_KeepsTheHashValid()
    {
        var snapshot = WorkflowLoader.Load(TestFiles.Workflow("support-routing")).ToSnapshot();

        var restored = System.Text.Json.JsonSerializer.Deserialize<WorkflowSnapshot>(System.Text.Json.JsonSerializer.Serialize(snapshot))!;

        Assert.True(restored.IsIntact());
        Assert.Equal(snapshot.Definition.Steps[^1].Scope.Records["region"], restored.Definition.Steps[^1].Scope.Records["region"]);
    }

    [Fact]
    public void ComputeSha256_CommentsAndLayoutChange_HashStaysTheSame()
    {
        var text = TestFiles.Read(TestFiles.Workflow("crm-followup"));
        var reformatted = "# a new comment\n" + TestFiles.Edit(text, "    retry:\n      maxAttempts: 3\n      backoff: PT10S\n", "    retry: { maxAttempts: 3, backoff: PT10S }  # inline now\n");

        Assert.Equal(SnapshotOf(text).Sha256, SnapshotOf(reformatted).Sha256);
    }

    [Fact]
    public void ComputeSha256_ContentChanges_HashChanges()
    {
        var text = TestFiles.Read(TestFiles.Workflow("crm-followup"));
        var changed = text.Replace("timeout: P3D", "timeout: P4D", StringComparison.Ordinal);

        Assert.NotEqual(SnapshotOf(text).Sha256, SnapshotOf(changed).Sha256);
    }

    [Fact]
    public void IsIntact_TamperedDefinition_IsFalse()
    {
        var snapshot = WorkflowLoader.Load(TestFiles.Workflow("crm-followup")).ToSnapshot();

        var tampered = snapshot with { Definition = snapshot.Definition with { Owner = "someone.else@contoso.example" } };

        Assert.False(tampered.IsIntact());
    }

    [Fact]
    public void ToSnapshot_WorkflowWithErrors_Throws()
    {
        var loaded = WorkflowLoader.Load(Path.Combine(TestFiles.Fixtures, "rules", "DAO020-unknown-identity.yaml"));

        Assert.Throws<InvalidOperationException>(loaded.ToSnapshot);
    }
}

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
        Assert.Matches("^[0-9a-f]{64}$", snapshot.Sha256);
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

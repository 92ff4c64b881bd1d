using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Yaml;
using Json.Schema;

namespace DurableAgentOps.Core.Tests;

/// <summary>The committed JSON Schemas (for editors) agree with the validator on shipped files and structural errors.</summary>
public sealed class SchemaTests
{
    // JsonSchema.Net registers schemas by $id globally: build each once.
    private static readonly Dictionary<string, JsonSchema> Schemas = new[] { "workflow.schema.json", "identities.schema.json", "system.schema.json" }
        .ToDictionary(n => n, n => JsonSchema.FromText(File.ReadAllText(Path.Combine(TestFiles.Workflows, "schema", n))));

    private static JsonSchema Schema(string name) => Schemas[name];

    private static bool IsValid(JsonSchema schema, string yamlPath)
    {
        var root = YamlTreeParser.Parse(File.ReadAllText(yamlPath), yamlPath, [])!;
        using var document = JsonDocument.Parse(ToJson(root)?.ToJsonString() ?? "null");
        return schema.Evaluate(document.RootElement).IsValid;
    }

    /// <summary>Plain scalars take YAML's core types (numbers, booleans, null); quoted ones stay strings.</summary>
    private static JsonNode? ToJson(YNode node) => node switch
    {
        YMapping mapping => new JsonObject(mapping.Entries.Select(e => KeyValuePair.Create(e.Key.Value, ToJson(e.Value)))),
        YSequence sequence => new JsonArray([.. sequence.Items.Select(ToJson)]),
        YScalar { IsNull: true } => null,
        YScalar { IsPlain: true, Value: "true" or "false" } s => JsonValue.Create(s.Value == "true"),
        YScalar { IsPlain: true } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        YScalar s => JsonValue.Create(s.Value),
        _ => null,
    };

    [Theory]
    [InlineData("crm-call-note")]
    [InlineData("crm-followup")]
    [InlineData("invoice-exceptions")]
    [InlineData("support-routing")]
    [InlineData("ticket-escalation")]
    public void Evaluate_ShippedWorkflow_IsValidAgainstWorkflowSchema(string name) =>
        Assert.True(IsValid(Schema("workflow.schema.json"), TestFiles.Workflow(name)));

    [Fact]
    public void Evaluate_ShippedCatalogue_IsValidAgainstIdentitiesSchema() =>
        Assert.True(IsValid(Schema("identities.schema.json"), Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName)));

    [Theory]
    [InlineData("crm")]
    [InlineData("finance")]
    [InlineData("support")]
    [InlineData("servicedesk")]
    public void Evaluate_ShippedSystemDeclaration_IsValidAgainstSystemSchema(string system) =>
        Assert.True(IsValid(Schema("system.schema.json"), Path.Combine(TestFiles.Workflows, SystemFiles.FolderName, system + ".yaml")));

    [Fact]
    public void Evaluate_McpDeclarationWithoutItsBrokenTools_IsValidAgainstSystemSchema()
    {
        var path = Path.Combine(TestFiles.Fixtures, "systems", "mcp", SystemFiles.FolderName, "support.yaml");
        var text = File.ReadAllText(path);
        var valid = Path.Combine(Path.GetTempPath(), $"mcp-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(valid, text[..text.IndexOf("  queues.list:", StringComparison.Ordinal)]);
        try
        {
            Assert.True(IsValid(Schema("system.schema.json"), valid));
            Assert.False(IsValid(Schema("system.schema.json"), path));
        }
        finally
        {
            File.Delete(valid);
        }
    }

    [Theory]
    [InlineData("invalid", "crm.yaml")]
    [InlineData("invalid", "erp.yaml")]
    public void Evaluate_InvalidSystemDeclarationFixture_IsRejected(string fixture, string file) =>
        Assert.False(IsValid(Schema("system.schema.json"), Path.Combine(TestFiles.Fixtures, "systems", fixture, SystemFiles.FolderName, file)));

    /// <summary>The fixtures below are this file with one thing broken, so their rejection is that one thing.</summary>
    [Fact]
    public void Evaluate_BaseRuleFixture_IsValid() =>
        Assert.True(IsValid(Schema("workflow.schema.json"), Path.Combine(TestFiles.Fixtures, "rules", "valid.yaml")));

    [Theory]
    [InlineData("DAO002-unknown-key")]
    [InlineData("DAO003-wrong-type")]
    [InlineData("DAO004-missing-field")]
    [InlineData("DAO004-empty-owner")]
    [InlineData("DAO004-empty-description")]
    [InlineData("DAO004-empty-steps")]
    [InlineData("DAO005-invalid-value")]
    [InlineData("DAO045-invalid-duration")]
    [InlineData("DAO003-starters-not-a-list")]
    [InlineData("DAO004-empty-starter")]
    [InlineData("DAO005-invalid-starter")]
    [InlineData("DAO005-invalid-max-length")]
    [InlineData("DAO005-invalid-acts-for")]
    public void Evaluate_StructuralRuleFixture_IsRejectedBySchemaToo(string fixture) =>
        Assert.False(IsValid(Schema("workflow.schema.json"), Path.Combine(TestFiles.Fixtures, "rules", fixture + ".yaml")));

    [Theory]
    [InlineData("invalid")]
    [InlineData("empty-client-ids")]
    public void Evaluate_InvalidCatalogueFixture_IsRejected(string fixture) =>
        Assert.False(IsValid(Schema("identities.schema.json"), Path.Combine(TestFiles.Fixtures, "catalogue", fixture, WorkflowLoader.CatalogueFileName)));

    /// <summary>A step may say actsFor: initiator; whether its identity may is for validate (DAO025-DAO029), not the schema.</summary>
    [Theory]
    [InlineData("DAO026-acts-for-service-identity")]
    [InlineData("DAO028-delegated-separate-writer")]
    public void Evaluate_StepSayingActsForInitiator_IsValidAgainstWorkflowSchema(string fixture) =>
        Assert.True(IsValid(Schema("workflow.schema.json"), Path.Combine(TestFiles.Fixtures, "rules", fixture + ".yaml")));

    [Theory]
    [InlineData("initiator", true)]
    [InlineData("approver", false)]
    public void Evaluate_CatalogueIdentityActsFor_OnlyInitiatorIsValid(string actsFor, bool valid)
    {
        var text = TestFiles.Edit(File.ReadAllText(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName)),
            "  crm-rep-reader:\n    description: Reads calls as the person who started the run; sees only what that person may see in the CRM.\n    actsFor: initiator\n",
            $"  crm-rep-reader:\n    description: Reads calls as the person who started the run; sees only what that person may see in the CRM.\n    actsFor: {actsFor}\n");
        var path = Path.Combine(Path.GetTempPath(), $"identities-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        try
        {
            Assert.Equal(valid, IsValid(Schema("identities.schema.json"), path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Reflection;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Core.Tests;

/// <summary>One failing fixture per rule: each marked line must get exactly its codes, and nothing else may fire.</summary>
public sealed class RuleFixtureTests
{
    private static string RulesFolder => Path.Combine(TestFiles.Fixtures, "rules");

    public static TheoryData<string> RuleFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RulesFolder, "DAO*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Fact]
    public void Load_BaseFixture_HasNoFindings()
    {
        var loaded = WorkflowLoader.Load(Path.Combine(RulesFolder, "valid.yaml"));

        Assert.Empty(loaded.Catalogue.Findings);
        Assert.Empty(loaded.Findings);
    }

    [Theory]
    [MemberData(nameof(RuleFixtures))]
    public void Load_RuleFixture_ReportsExactlyTheMarkedCodesOnTheMarkedLines(string fixture)
    {
        var path = Path.Combine(RulesFolder, fixture + ".yaml");
        var expected = TestFiles.Expectations(path);

        var loaded = WorkflowLoader.Load(path);

        Assert.NotEmpty(expected);
        Assert.Empty(loaded.Catalogue.Findings);
        Assert.Equal(expected.Order(), TestFiles.Actual(loaded.Findings).Order());
        Assert.All(loaded.Findings, f => Assert.Equal(path, f.File));
    }

    [Fact]
    public void Validate_UnusedGrantsFixture_WarnsOnEachUnusedGrantAndIdentity()
    {
        var folder = Path.Combine(TestFiles.Fixtures, "catalogue", "unused");
        var expected = TestFiles.Expectations(Path.Combine(folder, WorkflowLoader.CatalogueFileName));

        var report = WorkflowSetValidator.Validate([folder]);

        Assert.Equal(expected.Order(), TestFiles.Actual(report.Findings.Where(f => f.Code != FindingCodes.WriteApprovalNone)).Order());
        Assert.All(report.Findings, f => Assert.Equal(Severity.Warning, f.Severity));
    }

    [Fact]
    public void Validate_SingleWorkflowOfUnusedFixture_DoesNotJudgeTheCatalogueItDidNotSee()
    {
        var folder = Path.Combine(TestFiles.Fixtures, "catalogue", "unused");

        var report = WorkflowSetValidator.Validate([Path.Combine(folder, "notes.yaml")]);

        Assert.DoesNotContain(report.Findings, f => f.Code is FindingCodes.UnusedGrant or FindingCodes.UnusedIdentity);
    }

    [Theory]
    [InlineData("invalid")]
    [InlineData("empty-client-ids")]
    [InlineData("DAO056-duplicate-object-id")]
    [InlineData("DAO057-duplicate-client-id")]
    [InlineData("DAO058-write-grant-without-fields")]
    [InlineData("DAO027-delegated-model-grant")]
    [InlineData("DAO028-delegated-writer-app")]
    public void LoadCatalogue_InvalidFixture_ReportsExactlyTheMarkedCodesOnTheMarkedLines(string fixture)
    {
        var path = Path.Combine(TestFiles.Fixtures, "catalogue", fixture, WorkflowLoader.CatalogueFileName);

        var loaded = WorkflowLoader.LoadCatalogue(path);

        Assert.Equal(TestFiles.Expectations(path).Order(), TestFiles.Actual(loaded.Findings).Order());
    }

    [Theory]
    [InlineData("invalid")]
    [InlineData("DAO071-duplicate-declaration")]
    [InlineData("mcp")]
    [InlineData("DAO075-shared-resource")]
    [InlineData("DAO085-declaration-field-not-in-schema")]
    [InlineData("DAO086-platform-audience")]
    public void LoadCatalogue_InvalidSystemDeclarations_ReportExactlyTheMarkedCodesOnTheMarkedLinesOfEachFile(string fixture)
    {
        var folder = Path.Combine(TestFiles.Fixtures, "systems", fixture);
        var expected = Directory.EnumerateFiles(Path.Combine(folder, SystemFiles.FolderName), "*.yaml")
            .SelectMany(file => TestFiles.Expectations(file).Select(e => (Path.GetFileName(file), e.Code, e.Line)))
            .ToHashSet();

        var loaded = WorkflowLoader.LoadCatalogue(Path.Combine(folder, WorkflowLoader.CatalogueFileName));

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Order(), loaded.Findings.Select(f => (Path.GetFileName(f.File), f.Code, f.Line)).Distinct().Order());
    }

    [Fact]
    public void Load_ReadsWithoutSchemaAndSensitiveFieldInClear_ReportsExactlyTheMarkedWarnings()
    {
        var path = Path.Combine(TestFiles.Fixtures, "schema-warnings", "notes.yaml");

        var loaded = WorkflowLoader.Load(path);

        Assert.Empty(loaded.Catalogue.Findings);
        Assert.Equal(TestFiles.Expectations(path).Order(), TestFiles.Actual(loaded.Findings).Order());
        Assert.All(loaded.Findings, f => Assert.Equal(Severity.Warning, f.Severity));
    }

    [Fact]
    public void Load_WorkflowWithoutCatalogue_ReportsMissingCatalogue()
    {
        var path = Path.Combine(TestFiles.Fixtures, "no-catalogue", "notes.yaml");

        var loaded = WorkflowLoader.Load(path);

        var finding = Assert.Single(loaded.Catalogue.Findings);
        Assert.Equal(FindingCodes.CatalogueMissing, finding.Code);
        Assert.Equal(1, finding.Line);
        Assert.True(loaded.HasErrors);
    }

    [Fact]
    public void Load_MissingFile_ReportsUnreadableFileAtLineOne()
    {
        var path = Path.Combine(TestFiles.Fixtures, "rules", "does-not-exist.yaml");

        var loaded = WorkflowLoader.Load(path);

        var finding = Assert.Single(loaded.Findings);
        Assert.Equal((FindingCodes.FileUnreadable, 1), (finding.Code, finding.Line));
        Assert.Null(loaded.Definition);
    }

    /// <summary>A rule added without a fixture fails here.</summary>
    [Fact]
    public void FindingCodes_EveryValidationCode_HasAFixtureOrADedicatedTest()
    {
        var validationCodes = typeof(FindingCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetValue(null)!)
            .Where(code => string.CompareOrdinal(code, "DAO100") < 0)
            .ToHashSet();
        var covered = Directory.EnumerateFiles(TestFiles.Fixtures, "*.yaml", SearchOption.AllDirectories)
            .SelectMany(TestFiles.Expectations).Select(e => e.Code)
            .Append(FindingCodes.FileUnreadable)
            .Append(FindingCodes.CatalogueMissing)
            .ToHashSet();

        Assert.Empty(validationCodes.Except(covered).Order());
    }
}

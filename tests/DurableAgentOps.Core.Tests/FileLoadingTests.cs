using System.Text;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Tests;

/// <summary>Files as bytes (strict UTF-8) and folders as sets (one workflow per name).</summary>
public sealed class FileLoadingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dao-files-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string DuplicateNames => Path.Combine(TestFiles.Fixtures, "duplicate-names");

    private string CopyOfShipped()
    {
        foreach (var file in Directory.EnumerateFiles(TestFiles.Workflows, "*.yaml"))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }

        var systems = Directory.CreateDirectory(Path.Combine(_folder, SystemFiles.FolderName)).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestFiles.Workflows, SystemFiles.FolderName), "*.yaml"))
        {
            File.Copy(file, Path.Combine(systems, Path.GetFileName(file)));
        }

        return _folder;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Load_InvalidUtf8Byte_RefusedAtItsLineAndColumn()
    {
        var path = Path.Combine(CopyOfShipped(), "crm-followup.yaml");
        var text = TestFiles.Read(path);
        var line = text.Split('\n').ToList().FindIndex(l => l.StartsWith("owner:", StringComparison.Ordinal)) + 1;
        var at = text.IndexOf("owner: ", StringComparison.Ordinal) + "owner: ".Length;
        var bytes = Utf8(text);
        bytes[Encoding.UTF8.GetByteCount(text[..at])] = 0xFF;
        File.WriteAllBytes(path, bytes);

        var loaded = WorkflowLoader.Load(path);

        var finding = Assert.Single(loaded.Findings);
        Assert.Equal((FindingCodes.FileUnreadable, line, 8), (finding.Code, finding.Line, finding.Column));
        Assert.StartsWith("cannot read file: not valid UTF-8 (byte 0xFF", finding.Message, StringComparison.Ordinal);
        Assert.Null(loaded.Definition);
    }

    [Fact]
    public void TryDecode_ColumnCountsCharactersBeforeTheBadByte()
    {
        // 'é' is two bytes but one column; the truncated three-byte sequence starts at column 4 of line 2.
        var bytes = Utf8("a: 1\nb: é").Concat(new byte[] { 0xE2, 0x82 }).ToArray();

        Assert.False(WorkflowLoader.TryDecode(bytes, "f.yaml", out _, out var failure));

        Assert.Equal((2, 5), (failure.Line, failure.Column));
        Assert.Equal("f.yaml", failure.File);
    }

    [Fact]
    public void Load_Utf8ByteOrderMark_IsAccepted()
    {
        var path = Path.Combine(CopyOfShipped(), "support-routing.yaml");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. File.ReadAllBytes(path)]);

        var loaded = WorkflowLoader.Load(path);

        Assert.False(loaded.HasErrors, string.Join("\n", loaded.AllFindings));
        Assert.Equal("support-routing", loaded.Definition!.Name);
    }

    [Fact]
    public void LoadCatalogue_InvalidUtf8_RefusedWithDao000()
    {
        var path = Path.Combine(CopyOfShipped(), WorkflowLoader.CatalogueFileName);
        File.WriteAllBytes(path, [.. Utf8("systems:\n  crm:\n    kind: busi"), 0xC3, 0x28]);

        var loaded = WorkflowLoader.LoadCatalogue(path);

        var finding = Assert.Single(loaded.Findings);
        Assert.Equal((FindingCodes.FileUnreadable, 3, 15), (finding.Code, finding.Line, finding.Column));
    }

    [Fact]
    public void Validate_DuplicateNamesFixture_ReportsTheSecondFileNamingTheFirst()
    {
        var second = Path.Combine(DuplicateNames, "b-second.yaml");

        var report = WorkflowSetValidator.Validate([DuplicateNames]);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(TestFiles.Expectations(second).Single(), (finding.Code, finding.Line));
        Assert.Equal(second, finding.File);
        Assert.Contains($"already declared by {Path.Combine(DuplicateNames, "a-first.yaml")}", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_ShippedFolder_FindsEachWorkflowByItsName()
    {
        var folder = WorkflowFolder.Load(TestFiles.Workflows);

        Assert.Equal(["crm-call-note", "crm-followup", "invoice-exceptions", "support-routing", "ticket-escalation"], folder.Workflows.Select(w => w.Definition!.Name));
        Assert.Empty(folder.Duplicates);
        Assert.Same(folder.Workflows[2], folder.Find("invoice-exceptions"));
        Assert.All(folder.Workflows, w => Assert.Same(folder.Catalogue, w.Catalogue));
        Assert.Null(folder.Find("nothing-by-this-name"));
    }

    [Fact]
    public void Find_FileNamedOtherwise_FoundByDeclaredNameNotFileName()
    {
        var folder = CopyOfShipped();
        File.Move(Path.Combine(folder, "crm-followup.yaml"), Path.Combine(folder, "sales.yaml"));

        var loaded = WorkflowFolder.Load(folder);

        Assert.Equal(Path.Combine(folder, "sales.yaml"), loaded.Find("crm-followup")!.File);
        Assert.Null(loaded.Find("sales"));
    }

    [Fact]
    public void Find_NameDeclaredTwice_FindsNeitherAndReportsTheDuplicate()
    {
        var folder = WorkflowFolder.Load(DuplicateNames);

        Assert.Null(folder.Find("triage"));
        Assert.NotNull(folder.Find("other"));
        var duplicate = Assert.Single(folder.Duplicates);
        Assert.Equal((FindingCodes.DuplicateWorkflowName, Path.Combine(DuplicateNames, "b-second.yaml")), (duplicate.Code, duplicate.File));
    }

    [Fact]
    public void Load_MissingFolder_IsEmptyWithMissingCatalogue()
    {
        var folder = WorkflowFolder.Load(Path.Combine(_folder, "none"));

        Assert.Empty(folder.Workflows);
        Assert.False(folder.Catalogue.Exists);
    }

    [Fact]
    public void Load_ReadResourceWithoutSchema_WarnsWithDao077()
    {
        var folder = CopyOfShipped();
        var crm = Path.Combine(folder, SystemFiles.FolderName, "crm.yaml");
        var text = File.ReadAllText(crm);
        File.WriteAllText(crm, TestFiles.Edit(text, "  accounts:\n    fields: { id: string, name: string, tier: string, region: string, ownerId: string, team: string }\n", string.Empty));

        var loaded = WorkflowLoader.Load(Path.Combine(folder, "crm-followup.yaml"));

        Assert.False(loaded.HasErrors);
        var noSchema = Assert.Single(loaded.Findings, f => f.Code == FindingCodes.RecordWithoutSchema);
        Assert.Contains("no record schema for 'accounts'", noSchema.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invoice.amount >= '50000'", "with a string: values of different kinds are never equal nor ordered, so it never holds as written (== is always false, != always true) (write the number unquoted)")]
    [InlineData("invoice.amount >= high", "with a string")]
    [InlineData("invoice.currency == 978", "a field of type string, with a number")]
    public void Load_RouteConditionComparesAFieldWithALiteralOfAnotherKind_FailsWithDao084(string condition, string expected)
    {
        var folder = CopyOfShipped();
        var workflow = Path.Combine(folder, "invoice-exceptions.yaml");
        File.WriteAllText(workflow, TestFiles.Edit(File.ReadAllText(workflow), "      - when: invoice.amount >= 50000\n", $"      - when: {condition}\n"));

        var loaded = WorkflowLoader.Load(workflow);

        var mismatch = Assert.Single(loaded.Findings, f => f.Code == FindingCodes.ConditionTypeMismatch);
        Assert.True(mismatch.IsError);
        Assert.Contains(expected, mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllLines(workflow).ToList().FindIndex(l => l.Contains(condition, StringComparison.Ordinal)) + 1, mismatch.Line);
    }

    [Theory]
    [InlineData("input.region")]
    [InlineData("draft.task.region")]
    public void LoadCatalogue_WriteAttributeTakenFromWhatTheStarterOrModelChooses_FailsWithDao072(string source)
    {
        var folder = CopyOfShipped();
        var crm = Path.Combine(folder, SystemFiles.FolderName, "crm.yaml");
        File.WriteAllText(crm, TestFiles.Edit(File.ReadAllText(crm),
            "      read: account\n      attributes:\n        region: account.region\n    body:\n      from: draft.task\n",
            $"      read: account\n      attributes:\n        region: {source}\n    body:\n      from: draft.task\n"));

        var loaded = WorkflowLoader.LoadCatalogue(Path.Combine(folder, WorkflowLoader.CatalogueFileName));

        var unsafeSource = Assert.Single(loaded.Findings, f => f.Code == FindingCodes.InvalidOperationDeclaration);
        Assert.Contains($"a write's record attribute 'region' comes from '{source}', which the run's starter, the model or a route chooses", unsafeSource.Message, StringComparison.Ordinal);
        Assert.EndsWith("crm.yaml", unsafeSource.File, StringComparison.Ordinal);
    }

    /// <summary>A copy of the shipped crm-followup whose evidence lines (<c>redact: [call.transcript]</c>) are <paramref name="evidence"/>, loaded.</summary>
    private LoadedWorkflow LoadCrmFollowupWithRedaction(string evidence)
    {
        var workflow = Path.Combine(CopyOfShipped(), "crm-followup.yaml");
        File.WriteAllText(workflow, TestFiles.Edit(File.ReadAllText(workflow), "  redact: [call.transcript]\n", evidence));
        return WorkflowLoader.Load(workflow);
    }

    [Fact]
    public void Load_SensitiveFieldNotListed_IsRedactedByDefaultWithoutFinding()
    {
        var loaded = LoadCrmFollowupWithRedaction(string.Empty);

        Assert.False(loaded.HasErrors);
        Assert.DoesNotContain(loaded.Findings, f => f.Code is FindingCodes.SensitiveFieldKeptInClear or FindingCodes.KeepInClearNotSensitive);
        Assert.Empty(loaded.Definition!.Evidence.Redact);
        Assert.Contains("call.transcript", Redaction.Paths(loaded.Definition, loaded.Catalogue.Catalogue.Declarations));
    }

    [Fact]
    public void Load_SensitiveFieldKeptInClear_WarnsWithDao078AndIsNotRedacted()
    {
        var loaded = LoadCrmFollowupWithRedaction("  keepInClear: [call.transcript]\n");

        Assert.False(loaded.HasErrors);
        var inClear = Assert.Single(loaded.Findings, f => f.Code == FindingCodes.SensitiveFieldKeptInClear);
        Assert.Contains("reads call.transcript, which crm marks sensitive, and evidence.keepInClear keeps it in clear", inClear.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("call.transcript", Redaction.Paths(loaded.Definition!, loaded.Catalogue.Catalogue.Declarations));
    }

    [Fact]
    public void Load_SensitiveFieldBothRedactedAndKeptInClear_FailsWithDao079()
    {
        var loaded = LoadCrmFollowupWithRedaction("  redact: [call.transcript]\n  keepInClear: [call.transcript]\n");

        var both = Assert.Single(loaded.Findings, f => f.Code == FindingCodes.KeepInClearNotSensitive);
        Assert.True(both.IsError);
        Assert.Contains("'call.transcript' is also listed in evidence.redact", both.Message, StringComparison.Ordinal);
    }
}

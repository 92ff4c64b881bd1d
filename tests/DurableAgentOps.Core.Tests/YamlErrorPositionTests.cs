using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Core.Tests;

/// <summary>
/// Each YAML fault put into the shipped crm-followup.yaml is reported at the line and column where the test put it:
/// the expected position is computed from the fault's index in the test's own text, not copied from the output.
/// </summary>
public sealed class YamlErrorPositionTests
{
    private static readonly string Shipped = TestFiles.Read(TestFiles.Workflow("crm-followup"));

    [Fact]
    public void Parse_TabIndentingAStep_IsReportedAtTheTab()
    {
        var text = TestFiles.Edit(Shipped, "\n  - id: read-last-call\n", "\n\t- id: read-last-call\n");

        var finding = SingleSyntaxError(text);

        Assert.Equal(At(text, text.IndexOf("\t- id: read-last-call", StringComparison.Ordinal)), (finding.Line, finding.Column));
        Assert.Contains("tab", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TabAfterSpacesInsideAStep_IsReportedAtTheTab()
    {
        var text = TestFiles.Edit(Shipped, "\n    description: Read the last call's notes and outcome.\n", "\n  \t  description: Read the last call's notes and outcome.\n");

        var finding = SingleSyntaxError(text);

        Assert.Equal(At(text, text.IndexOf("\t  description: Read the last call", StringComparison.Ordinal)), (finding.Line, finding.Column));
    }

    [Fact]
    public void Parse_TabLineAfterABlockScalarHoldingATab_IsReportedAtTheIndentingTab()
    {
        // The tab inside the folded description is text, not indentation: the fault is the later one.
        var text = TestFiles.Edit(Shipped, "  After a sales call,", "  \tAfter a sales call,");
        text = TestFiles.Edit(text, "\nisolation: shared-app\n", "\n\tisolation: shared-app\n");

        var finding = SingleSyntaxError(text);

        Assert.Equal(At(text, text.IndexOf("\tisolation", StringComparison.Ordinal)), (finding.Line, finding.Column));
    }

    [Fact]
    public void Parse_TabWithWindowsLineEndings_IsReportedAtTheTab()
    {
        var text = TestFiles.Edit(Shipped, "\n  - id: draft-followup\n", "\n\t- id: draft-followup\n").ReplaceLineEndings("\r\n");

        var finding = SingleSyntaxError(text);

        var index = text.IndexOf("\t- id: draft-followup", StringComparison.Ordinal);
        var expected = (text[..index].Count(c => c == '\n') + 1, 1);
        Assert.Equal(expected, (finding.Line, finding.Column));
    }

    [Fact]
    public void Parse_DuplicateKeyInAStep_IsReportedAtTheSecondKey()
    {
        const string twice = "    identity: crm-reader\n    system: crm\n    operation: crm.calls.read\n";
        var text = TestFiles.Edit(Shipped, twice, "    identity: crm-reader\n    system: crm\n    system: crm\n    operation: crm.calls.read\n");
        var second = text.IndexOf("    system: crm\n    system: crm", StringComparison.Ordinal) + "    system: crm\n    ".Length;

        var loaded = WorkflowLoader.Parse(text, "crm-followup.yaml", TestFiles.ShippedCatalogue());

        var finding = Assert.Single(loaded.Findings, f => f.IsError);
        Assert.Equal(FindingCodes.DuplicateKey, finding.Code);
        Assert.Equal(At(text, second), (finding.Line, finding.Column));
    }

    [Fact]
    public void Parse_KeyIndentedLessThanItsSiblings_IsReportedAtThatKey()
    {
        var text = TestFiles.Edit(Shipped, "\n    kind: draft\n", "\n   kind: draft\n");

        var finding = SingleSyntaxError(text);

        Assert.Equal(At(text, text.IndexOf("kind: draft", StringComparison.Ordinal)), (finding.Line, finding.Column));
        Assert.Contains("indentation", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('"')]
    [InlineData('\'')]
    public void Parse_UnclosedQuote_IsReportedAtTheOpeningQuote(char quote)
    {
        var text = TestFiles.Edit(Shipped, "pattern: \"^ACC-[0-9]{6}$\"", $"pattern: {quote}^ACC-[0-9]{{6}}$");

        var finding = SingleSyntaxError(text);

        Assert.Equal(At(text, text.IndexOf(quote + "^ACC-", StringComparison.Ordinal)), (finding.Line, finding.Column));
        Assert.Contains("not closed", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedFlowList_IsReportedAtItsBracket()
    {
        var text = TestFiles.Edit(Shipped, "    from: [read-account]\n", "    from: [read-account\n");

        var finding = SingleSyntaxError(text);

        Assert.Equal(At(text, text.IndexOf("[read-account\n", StringComparison.Ordinal)), (finding.Line, finding.Column));
        Assert.Contains("'[' opened here is not closed", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedFlowMappingInABlockList_IsReportedAtItsBrace()
    {
        var text = TestFiles.Edit(Shipped, "starters:\n  - group: emea-sales\n", "starters:\n  - {group: emea-sales\n");

        var finding = SingleSyntaxError(text);

        Assert.Equal(At(text, text.IndexOf("{group: emea-sales", StringComparison.Ordinal)), (finding.Line, finding.Column));
    }

    private static Finding SingleSyntaxError(string text)
    {
        var loaded = WorkflowLoader.Parse(text, "crm-followup.yaml", TestFiles.ShippedCatalogue());
        Assert.Null(loaded.Definition);
        var finding = Assert.Single(loaded.Findings);
        Assert.Equal(FindingCodes.YamlSyntax, finding.Code);
        return finding;
    }

    /// <summary>1-based line and column of a character index of <paramref name="text"/> (text with "\n" line ends).</summary>
    private static (int Line, int Column) At(string text, int index)
    {
        Assert.True(index >= 0, "the fault is not in the text");
        var lineStart = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        return (text[..index].Count(c => c == '\n') + 1, index - lineStart + 1);
    }
}

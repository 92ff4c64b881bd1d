using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Validation;
using DurableAgentOps.Core.Yaml;

namespace DurableAgentOps.Core.Tests;

public sealed class YamlAndSyntaxTests
{
    [Fact]
    public void Parse_Mapping_KeepsLineAndColumnOfEveryNode()
    {
        var findings = new List<Finding>();

        var root = (YMapping)YamlTreeParser.Parse("a: 1\nb:\n  - x\n  -   y\n", "f.yaml", findings)!;

        Assert.Empty(findings);
        Assert.Equal(new SourcePosition(1, 4), root.Entries[0].Value.Position);
        var list = (YSequence)root.Entries[1].Value;
        Assert.Equal(new SourcePosition(3, 5), list.Items[0].Position);
        Assert.Equal(new SourcePosition(4, 7), list.Items[1].Position);
    }

    [Fact]
    public void Parse_QuotedNumber_IsNotPlain()
    {
        var root = (YMapping)YamlTreeParser.Parse("a: \"1\"\nb: 1\n", "f.yaml", [])!;

        Assert.False(((YScalar)root.Entries[0].Value).IsPlain);
        Assert.True(((YScalar)root.Entries[1].Value).IsPlain);
    }

    [Fact]
    public void Parse_AliasBomb_IsRefusedNotExpanded()
    {
        var findings = new List<Finding>();
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n";

        YamlTreeParser.Parse(bomb, "f.yaml", findings);

        Assert.Contains(findings, f => f.Code == FindingCodes.UnsupportedYaml && f.Line == 1);
        Assert.Contains(findings, f => f.Code == FindingCodes.UnsupportedYaml && f.Line == 3);
    }

    [Fact]
    public void Parse_ScannerBugInput_BecomesSyntaxFindingWithLine()
    {
        var findings = new List<Finding>();

        var root = YamlTreeParser.Parse("steps:\n  - id: a\n    kind: [read\n    identity: x\n    system: crm\n", "f.yaml", findings);

        Assert.Null(root);
        var finding = Assert.Single(findings);
        Assert.Equal(FindingCodes.YamlSyntax, finding.Code);
        Assert.Equal(3, finding.Line);
    }

    [Fact]
    public void Parse_DeepNesting_IsCutOffWithAFinding()
    {
        var findings = new List<Finding>();
        var deep = new string('[', 200) + new string(']', 200);

        YamlTreeParser.Parse(deep, "f.yaml", findings);

        Assert.Contains(findings, f => f.Code == FindingCodes.UnsupportedYaml && f.Line == 1);
    }

    [Theory]
    [InlineData("PT30M", 1800)]
    [InlineData("PT4H", 14400)]
    [InlineData("P2D", 172800)]
    [InlineData("P1W", 604800)]
    [InlineData("P1DT1H", 90000)]
    [InlineData("PT1.5S", 1.5)]
    public void TryParse_ValidDuration_ReturnsSeconds(string text, double seconds)
    {
        Assert.True(IsoDuration.TryParse(text, out var duration));
        Assert.Equal(seconds, duration.TotalSeconds);
    }

    [Theory]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1DT")]
    [InlineData("2 days")]
    [InlineData("-P1D")]
    [InlineData("P1H")]
    [InlineData("")]
    public void TryParse_InvalidDuration_ReturnsFalse(string text) => Assert.False(IsoDuration.TryParse(text, out _));

    [Theory]
    [InlineData("invoice.amount >= 10000", true)]
    [InlineData("account.tier == 'strategic'", true)]
    [InlineData("ticket.priority in [P1, P2]", true)]
    [InlineData("ticket.priority == P1", true)]
    [InlineData("amount >>> 5", false)]
    [InlineData("amount", false)]
    [InlineData("== 5", false)]
    [InlineData("a.b == 'x' or c == 1", false)]
    public void IsValid_Condition_MatchesTheSmallGrammar(string text, bool valid) => Assert.Equal(valid, Condition.IsValid(text));
}

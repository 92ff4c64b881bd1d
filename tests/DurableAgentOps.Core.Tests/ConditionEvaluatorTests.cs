using System.Text.Json.Nodes;
using DurableAgentOps.Core.Routing;

namespace DurableAgentOps.Core.Tests;

public sealed class ConditionEvaluatorTests
{
    private static readonly JsonObject Data = JsonNode.Parse("""
        {
          "input": { "accountId": "ACC-000001" },
          "account": { "tier": "strategic", "region": "emea", "active": true, "owner": null },
          "invoice": { "amount": 50000, "discount": 0.1, "lines": [1, 2] },
          "ticket": { "priority": "P2", "category": "billing", "severity": 3 }
        }
        """)!.AsObject();

    private static bool Eval(string condition) => ConditionEvaluator.Evaluate(condition, Data);

    [Theory]
    [InlineData("account.tier == 'strategic'", true)]
    [InlineData("account.tier == 'standard'", false)]
    [InlineData("invoice.amount == 50000", true)]
    [InlineData("invoice.amount == 50000.00", true)]
    public void Evaluate_Equals_ComparesValue(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("account.tier != 'standard'", true)]
    [InlineData("account.tier != 'strategic'", false)]
    public void Evaluate_NotEquals_ComparesValue(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("invoice.amount < 50001", true)]
    [InlineData("invoice.amount < 50000", false)]
    public void Evaluate_LessThan_ComparesNumerically(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("invoice.amount <= 50000", true)]
    [InlineData("invoice.amount <= 49999.99", false)]
    public void Evaluate_LessOrEqual_ComparesNumerically(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("invoice.amount > 49999.99", true)]
    [InlineData("invoice.amount > 50000", false)]
    [InlineData("invoice.discount > -1", true)]
    public void Evaluate_GreaterThan_ComparesNumerically(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("invoice.amount >= 50000", true)]
    [InlineData("invoice.amount >= 50000.01", false)]
    public void Evaluate_GreaterOrEqual_ComparesNumerically(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Theory]
    [InlineData("ticket.priority in [P1, P2]", true)]
    [InlineData("ticket.priority in [P1,P3]", false)]
    [InlineData("ticket.category in ['billing', \"refunds\"]", true)]
    [InlineData("ticket.severity in [1, 2, 3]", true)]
    public void Evaluate_In_MatchesAnyListItem(string condition, bool expected) => Assert.Equal(expected, Eval(condition));

    [Fact]
    public void Evaluate_InWithSingleValue_TreatedAsOneItemList()
    {
        Assert.True(Eval("ticket.priority in P2"));
        Assert.False(Eval("ticket.priority in P1"));
    }

    [Fact]
    public void Evaluate_NumbersWithDecimals_CompareExactly()
    {
        // 0.1 is not exact in binary floating point; amounts must not be off by a rounding error.
        Assert.True(Eval("invoice.discount == 0.1"));
        Assert.True(Eval("invoice.discount >= 0.10"));
    }

    [Fact]
    public void Evaluate_StringsOrderedOrdinally_NotByCulture()
    {
        Assert.True(Eval("ticket.category < 'c'"));
        Assert.False(Eval("ticket.category == 'Billing'"));
        Assert.True(Eval("ticket.category > 'Billing'"));
    }

    [Fact]
    public void Evaluate_BareWord_ComparesAsString()
    {
        Assert.True(Eval("ticket.priority == P2"));
        Assert.True(Eval("account.region == emea"));
    }

    [Fact]
    public void Evaluate_DoubleQuotedString_ComparesAsString()
    {
        Assert.True(Eval("account.tier == \"strategic\""));
    }

    [Fact]
    public void Evaluate_Boolean_ComparesAsBoolean()
    {
        Assert.True(Eval("account.active == true"));
        Assert.False(Eval("account.active == false"));
        Assert.True(Eval("account.active != false"));
    }

    [Theory]
    [InlineData("account.segment == 'smb'")]
    [InlineData("account.segment != 'smb'")]
    [InlineData("purchaseOrder.amount >= 0")]
    [InlineData("account.owner == null")]
    [InlineData("account.tier.name == 'x'")]
    [InlineData("ticket.priority.level in [P1]")]
    public void Evaluate_MissingOrNullPath_IsFalseWhateverTheOperator(string condition) => Assert.False(Eval(condition));

    [Fact]
    public void Evaluate_KindsDiffer_NeverEqualAndUnordered()
    {
        Assert.False(Eval("ticket.severity == '3'"));
        Assert.True(Eval("ticket.severity != '3'"));
        Assert.False(Eval("ticket.priority > 1"));
        Assert.False(Eval("ticket.priority < 1"));
        Assert.False(Eval("account.active == 'true'"));
        Assert.False(Eval("account.active < true"));
    }

    [Fact]
    public void Evaluate_PathToObjectOrArray_IsFalse()
    {
        Assert.False(Eval("invoice.lines == 1"));
        Assert.False(Eval("account == 'x'"));
    }

    [Theory]
    [InlineData("invoice.amount >=")]
    [InlineData("amount ~ 5")]
    [InlineData("ticket.priority == [P1]")]
    [InlineData("ticket.priority in [P1,,P2]")]
    [InlineData("ticket.missing in [P1,,P2]")]
    public void Evaluate_TextOutsideTheGrammar_ThrowsFormatException(string condition)
    {
        Assert.Throws<FormatException>(() => Eval(condition));
    }

    [Fact]
    public void TryEvaluate_PathResolves_ReturnsTrueWithTheResult()
    {
        Assert.True(ConditionEvaluator.TryEvaluate("ticket.priority in [P1, P2]", Data, out var holds));
        Assert.True(holds);
        Assert.True(ConditionEvaluator.TryEvaluate("invoice.amount < 100", Data, out var small));
        Assert.False(small);
    }

    [Fact]
    public void TryEvaluate_PathMissing_ReturnsFalseSoCallersCanFailClosed()
    {
        Assert.False(ConditionEvaluator.TryEvaluate("ticket.queue != 'general'", Data, out var result));
        Assert.False(result);
    }

    [Fact]
    public void Evaluate_EveryShippedCondition_ParsesAgainstEmptyData()
    {
        var conditions = new[] { "crm-followup", "invoice-exceptions", "support-routing" }
            .Select(name => Loading.WorkflowLoader.Load(TestFiles.Workflow(name)).Definition!)
            .SelectMany(w => w.Steps)
            .SelectMany(s => s.Routes.Select(r => r.When).Append(s.Approval.When))
            .OfType<string>()
            .ToList();

        Assert.NotEmpty(conditions);
        Assert.All(conditions, c => Assert.False(ConditionEvaluator.Evaluate(c, [])));
    }

    [Theory]
    [InlineData("invoice.amount >= 5000", "invoice.amount", "50000")]
    [InlineData("ticket.priority in [P1, P2]", "ticket.priority", "P2")]
    [InlineData("account.owner == 'x'", "account.owner", null)]
    [InlineData("ticket.queue != 'general'", "ticket.queue", null)]
    public void Subject_NamesThePathAndTheValueTheConditionSees(string condition, string path, string? value)
    {
        var (seen, node) = ConditionEvaluator.Subject(condition, Data);

        Assert.Equal(path, seen);
        Assert.Equal(value, node?.ToString());
    }

    [Fact]
    public void Subject_TextOutsideTheGrammar_Throws() => Assert.Throws<FormatException>(() => ConditionEvaluator.Subject("amount >>> 3", Data));
}

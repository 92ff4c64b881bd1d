using DurableAgentOps.Core.Validation;

namespace DurableAgentOps.Core.Tests;

/// <summary>Validation accepts exactly the conditions the runtime can evaluate.</summary>
public sealed class ConditionValidityTests
{
    [Theory]
    [InlineData("invoice.amount >= 50000")]
    [InlineData("account.tier == 'strategic'")]
    [InlineData("ticket.priority in [P1, P2]")]
    [InlineData("ticket.priority == P1")]
    public void IsValid_ConditionTheRuntimeEvaluates_True(string condition) => Assert.True(Condition.IsValid(condition));

    [Theory]
    [InlineData("ticket.priority == [P1, P2]")] // a list needs 'in'
    [InlineData("invoice.amount >=")]
    [InlineData("amount is big")]
    [InlineData("")]
    public void IsValid_ConditionTheRuntimeRejects_False(string condition) => Assert.False(Condition.IsValid(condition));
}

using DurableAgentOps.Core.Routing;

namespace DurableAgentOps.Core.Validation;

/// <summary>
/// Route and approval conditions: <c>path op literal</c>, e.g. <c>invoice.amount &gt;= 10000</c>,
/// <c>account.tier == 'strategic'</c>, <c>ticket.priority in [P1, P2]</c>. Kept this small on purpose: a reviewer
/// must be able to read every condition, and the runtime evaluates them without a scripting engine.
/// </summary>
public static class Condition
{
    /// <summary>
    /// True when the runtime can evaluate the text: validation asks the evaluator's own parser (with no data), so a
    /// condition that passes `agentops validate` never fails at run time.
    /// </summary>
    public static bool IsValid(string? text)
    {
        if (text is null)
        {
            return false;
        }

        try
        {
            ConditionEvaluator.TryEvaluate(text, [], out _);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

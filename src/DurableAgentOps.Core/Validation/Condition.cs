using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Validation;

/// <summary>
/// Route and approval conditions: <c>path op literal</c>, e.g. <c>invoice.amount &gt;= 10000</c>,
/// <c>account.tier == 'strategic'</c>, <c>ticket.priority in [P1, P2]</c>. Kept this small on purpose: a reviewer
/// must be able to read every condition, and the runtime evaluates them without a scripting engine.
/// </summary>
public static partial class Condition
{
    public static bool IsValid(string? text) => text is not null && ConditionPattern().IsMatch(text);

    [GeneratedRegex(@"^\s*[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\s*(?:==|!=|<=|>=|<|>|\bin\b)\s*(?:-?\d+(?:\.\d+)?|'[^']*'|""[^""]*""|true|false|[A-Za-z_][\w-]*|\[\s*[^\[\]]+\])\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ConditionPattern();
}

using System.Text.RegularExpressions;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// A write step stopped part way: which of its calls the system confirmed (<see cref="Made"/>), the one that failed
/// (<see cref="Failed"/>: sent, but not confirmed, so perhaps applied) and those never sent (<see cref="NotSent"/>); the
/// cause is the inner exception (what the run reports, and whether it is a refusal). The orchestrator reads the lists
/// back from the failure's message (<see cref="TryRead"/>), which the engine keeps in the run's history.
/// </summary>
internal sealed partial class WriteIncompleteException(IReadOnlyList<string> made, string failed, IReadOnlyList<string> notSent, Exception cause)
    : Exception($"write incomplete: made [{string.Join(", ", made)}]; failed [{failed}]; not sent [{string.Join(", ", notSent)}]", cause)
{
    public IReadOnlyList<string> Made { get; } = made;

    public string Failed { get; } = failed;

    public IReadOnlyList<string> NotSent { get; } = notSent;

    /// <summary>The calls of a write as its failure message names them, or null for any other message.</summary>
    public static WriteCalls? TryRead(string? message)
    {
        var match = message is null ? null : Pattern().Match(message);
        return match is { Success: true }
            ? new WriteCalls(List(match.Groups["made"].Value), List(match.Groups["failed"].Value), List(match.Groups["notSent"].Value))
            : null;
    }

    private static List<string> List(string text) => [.. text.Split(", ", StringSplitOptions.RemoveEmptyEntries)];

    // Operation names are letters, digits, dots, dashes and underscores (the validator's rule), so the lists cannot hold "]" or ";".
    [GeneratedRegex(@"^write incomplete: made \[(?<made>[^\]]*)\]; failed \[(?<failed>[^\]]*)\]; not sent \[(?<notSent>[^\]]*)\]$")]
    private static partial Regex Pattern();
}

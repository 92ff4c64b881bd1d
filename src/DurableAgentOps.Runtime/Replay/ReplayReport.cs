using System.Globalization;
using System.Text;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// What a replay found: "same decisions" (no <see cref="Divergence"/>), or the first divergence; which definition ran;
/// how many recorded items today's code consumed; the outcome recorded and today's; and notes (information only).
/// </summary>
public sealed record ReplayReport(
    string InstanceId,
    DefinitionCheck Definition,
    ReplayDivergence? Divergence,
    int ItemsReplayed,
    int ItemsRecorded,
    string OutcomeRecorded,
    string OutcomeToday,
    IReadOnlyList<string> Notes)
{
    /// <summary>What today's outcome reads when the replay stopped before today's code finished.</summary>
    public const string NotReached = "not reached (the replay stopped at the divergence)";

    public bool SameDecisions => Divergence is null;

    /// <summary>What was handed to today's code, by kind (the replay's own count, not the recording's).</summary>
    public ReplayCounts Compared { get; init; } = new(0, 0, 0);

    /// <summary>Whether today's evidence appends were compared with the run's (a history), or answered by the replay (the ledger).</summary>
    public bool AppendsCompared { get; init; }

    /// <summary>The report as a person reads it (the CLI prints this).</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var headline = Divergence is { } d ? $"diverges at #{d.Index} ({d.KindText})" : "same decisions";
        Line(text, 0, $"Replay of run {InstanceId} ({Definition.Workflow}): {headline}.");
        if (Divergence is { } divergence)
        {
            Line(text, 1, divergence.Summary);
            Line(text, 1, $"expected: {divergence.Expected?.ToString() ?? "(nothing)"}");
            Line(text, 1, $"got:      {divergence.Got?.ToString() ?? "(nothing)"}");
            foreach (var difference in divergence.Differences)
            {
                Line(text, 2, $"{difference.Path}: {difference.Expected} → {difference.Got}");
            }

            if (divergence.MoreDifferences > 0)
            {
                Line(text, 2, $"… and {divergence.MoreDifferences} more");
            }
        }

        Line(text, 1, $"definition: {DefinitionText()}");
        Line(text, 1, $"replayed {ItemsReplayed} of {ItemsRecorded} recorded items; outcome recorded: {OutcomeRecorded}; today: {OutcomeToday}");
        Line(text, 1, $"compared: {Compared}" + (Compared.Bookkeeping == 0 ? string.Empty
            : AppendsCompared ? $", and {Compared.Bookkeeping} evidence appends" : $" ({Compared.Bookkeeping} evidence appends answered by the replay, not compared)"));
        foreach (var note in Notes)
        {
            Line(text, 1, $"note: {note}");
        }

        return text.ToString();
    }

    private string DefinitionText() => Definition switch
    {
        { CurrentSha256: null } => $"the run's own, sha256 {Definition.RecordedSha256}",
        { Changed: false } => $"sha256 {Definition.RecordedSha256}, today's and the run's (unchanged)",
        { ReplayedCurrent: true } => $"today's, sha256 {Definition.CurrentSha256}; the run's was {Definition.RecordedSha256} (the definition changed)",
        _ => $"the run's own, sha256 {Definition.RecordedSha256}; today's is {Definition.CurrentSha256} (the definition changed)",
    };

    private static void Line(StringBuilder text, int indent, string line) =>
        text.Append(CultureInfo.InvariantCulture, $"{new string(' ', indent * 2)}{line}\n");
}

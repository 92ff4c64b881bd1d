namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// One value of a report: plain text, with some parts marked as code (ids, digests), which Markdown shows as code spans
/// and HTML as &lt;code&gt;. A string converts to plain text, so a renderer only marks what it means as code.
/// </summary>
internal sealed class ReportText
{
    private ReportText(IReadOnlyList<(string Text, bool Code)> parts) => Parts = parts;

    public IReadOnlyList<(string Text, bool Code)> Parts { get; }

    public static ReportText Code(string? text) => new([(text ?? string.Empty, true)]);

    public static ReportText Plain(string? text) => new([(text ?? string.Empty, false)]);

    /// <summary>Code for a recorded value, or the plain "(not recorded)" when there is none.</summary>
    public static ReportText CodeOr(string? text) => string.IsNullOrEmpty(text) ? Plain(RunStory.Missing) : Code(text);

    public static implicit operator ReportText(string? text) => Plain(text);

    public static ReportText operator +(ReportText left, ReportText right) => new([.. left.Parts, .. right.Parts]);

    /// <summary>The values joined by <paramref name="separator"/>, each kept as it is (code stays code).</summary>
    public static ReportText Join(string separator, IEnumerable<ReportText> values)
    {
        var parts = new List<(string, bool)>();
        foreach (var value in values)
        {
            if (parts.Count > 0)
            {
                parts.Add((separator, false));
            }

            parts.AddRange(value.Parts);
        }

        return new ReportText(parts);
    }

    public override string ToString() => string.Concat(Parts.Select(p => p.Text));
}

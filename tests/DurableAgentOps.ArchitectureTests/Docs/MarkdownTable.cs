using System.Text.RegularExpressions;

namespace DurableAgentOps.ArchitectureTests.Docs;

/// <summary>A table of a docs page, found by its header row, with its cells as written (code spans unwrapped on request).</summary>
internal sealed partial class MarkdownTable
{
    private MarkdownTable(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        Header = header;
        Rows = rows;
    }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<IReadOnlyList<string>> Rows { get; }

    public static string Read(string docsFile) => File.ReadAllText(Path.Combine(ProductAssemblies.Root, docsFile));

    /// <summary>The first table of <paramref name="docsFile"/> whose header row starts with <paramref name="firstColumns"/>.</summary>
    public static MarkdownTable Find(string docsFile, params string[] firstColumns)
    {
        var lines = Read(docsFile).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        for (var i = 0; i + 1 < lines.Count; i++)
        {
            if (!lines[i].StartsWith('|') || !IsSeparator(lines[i + 1]))
            {
                continue;
            }

            var header = Cells(lines[i]);
            if (!header.Take(firstColumns.Length).SequenceEqual(firstColumns, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var rows = lines.Skip(i + 2).TakeWhile(l => l.StartsWith('|')).Select(Cells).ToList();
            return new MarkdownTable(header, rows);
        }

        throw new InvalidOperationException($"{docsFile} has no table whose columns start with: {string.Join(" | ", firstColumns)}");
    }

    /// <summary>The code spans of a cell (`a` / `b` gives a and b), or the cell's text when it has none.</summary>
    public static IReadOnlyList<string> CodeSpans(string cell)
    {
        var spans = CodeSpan().Matches(cell).Select(m => m.Groups[1].Value).ToList();
        return spans.Count > 0 ? spans : [cell.Trim()];
    }

    public IEnumerable<string> Column(int index) => Rows.Select(r => r.Count > index ? r[index] : string.Empty);

    private static bool IsSeparator(string line) => line.StartsWith('|') && line.Replace("|", string.Empty).Trim().Trim('-', ':', ' ').Length == 0;

    private static List<string> Cells(string line) =>
        [.. line.Trim().Trim('|').Split('|').Select(c => c.Trim())];

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}

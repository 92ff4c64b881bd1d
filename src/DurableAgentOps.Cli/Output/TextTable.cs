using System.Text;

namespace DurableAgentOps.Cli.Output;

/// <summary>A plain ASCII table with multi-line, word-wrapped cells (ASCII so it survives any terminal and CI log).</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly int[] _maxWidths;
    private readonly List<IReadOnlyList<string>[]> _rows = [];

    public TextTable(string[] headers, int[] maxWidths)
    {
        _headers = headers;
        _maxWidths = maxWidths;
    }

    /// <summary>Adds a row; each cell is a list of lines, each wrapped to the column's width.</summary>
    public void Add(params IReadOnlyList<string>[] cells) => _rows.Add(cells);

    public string Render()
    {
        var wrapped = _rows.Select(row => row.Select((cell, c) => cell.SelectMany(line => Wrap(line, _maxWidths[c])).ToList()).ToList()).ToList();
        var widths = _headers.Select((h, c) => Math.Max(h.Length, wrapped.Select(r => r[c].DefaultIfEmpty(string.Empty).Max(l => l.Length)).DefaultIfEmpty(0).Max())).ToArray();
        var rule = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";
        var text = new StringBuilder();
        text.AppendLine(rule);
        AppendLine(text, _headers, widths);
        text.AppendLine(rule);
        foreach (var row in wrapped)
        {
            var height = row.Max(cell => cell.Count);
            for (var i = 0; i < Math.Max(1, height); i++)
            {
                AppendLine(text, row.Select(cell => i < cell.Count ? cell[i] : string.Empty).ToArray(), widths);
            }

            text.AppendLine(rule);
        }

        return text.ToString();
    }

    private static void AppendLine(StringBuilder text, string[] cells, int[] widths) =>
        text.Append("| ").AppendJoin(" | ", cells.Select((cell, c) => cell.PadRight(widths[c]))).AppendLine(" |");

    internal static IEnumerable<string> Wrap(string line, int width)
    {
        var current = new StringBuilder();
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > width)
            {
                yield return current.ToString();
                current.Clear().Append("  ");
            }

            if (current.Length > 0 && current.ToString().Trim().Length > 0)
            {
                current.Append(' ');
            }

            current.Append(word);
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}

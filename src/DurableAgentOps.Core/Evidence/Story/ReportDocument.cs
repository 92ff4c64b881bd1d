using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// A report as blocks (headings, paragraphs, facts, tables, lists) of <see cref="ReportText"/>, rendered to Markdown or
/// HTML. Recorded text stays text in both: HTML encodes it; Markdown escapes only what Markdown would read as markup
/// (see <see cref="Markdown(ReportText, Where)"/>), so the report reads cleanly in a terminal and in a ticket.
/// </summary>
internal sealed partial class ReportDocument
{
    /// <summary>A word longer than this makes its table cell wrap anywhere.</summary>
    private const int LongToken = 16;

    private readonly List<Block> blocks = [];

    public ReportDocument Heading(int level, ReportText text, string? id = null) => Add(new Block(BlockKind.Heading, level, id, [text], [], []));

    public ReportDocument Paragraph(ReportText text, string? id = null) => Add(new Block(BlockKind.Paragraph, 0, id, [text], [], []));

    public ReportDocument Facts(string id, params (string Name, ReportText Value)[] facts) =>
        Add(new Block(BlockKind.Facts, 0, id, [], [.. facts.Select(f => f.Name)], [[.. facts.Select(f => f.Value)]]));

    public ReportDocument Table(string id, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<ReportText>> rows) =>
        Add(new Block(BlockKind.Table, 0, id, [], headers, [.. rows]));

    public ReportDocument List(string id, IEnumerable<ReportText> items) => Add(new Block(BlockKind.List, 0, id, [.. items], [], []));

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block.Kind)
            {
                case BlockKind.Heading:
                    md.Append('#', block.Level).Append(' ').Append(Markdown(block.Texts[0], Where.Inline)).Append("\n\n");
                    break;
                case BlockKind.Paragraph:
                    md.Append(Markdown(block.Texts[0], Where.BlockStart)).Append("\n\n");
                    break;
                case BlockKind.Facts:
                    for (var i = 0; i < block.Headers.Count; i++)
                    {
                        md.Append("- **").Append(Markdown(block.Headers[i], Where.Inline)).Append(":** ").Append(Markdown(block.Rows[0][i], Where.Inline)).Append('\n');
                    }

                    md.Append('\n');
                    break;
                case BlockKind.Table:
                    md.Append("| ").Append(string.Join(" | ", block.Headers.Select(h => Markdown(h, Where.Cell)))).Append(" |\n");
                    md.Append('|').Append(string.Concat(block.Headers.Select(_ => " --- |"))).Append('\n');
                    foreach (var row in block.Rows)
                    {
                        md.Append("| ").Append(string.Join(" | ", row.Select(c => Markdown(c, Where.Cell)))).Append(" |\n");
                    }

                    md.Append('\n');
                    break;
                case BlockKind.List:
                    foreach (var item in block.Texts)
                    {
                        md.Append("- ").Append(Markdown(item, Where.BlockStart)).Append('\n');
                    }

                    md.Append('\n');
                    break;
            }
        }

        return md.ToString();
    }

    /// <summary>The body's HTML (no document around it): every value HTML-encoded; table cells carry their column's name for narrow screens.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder();
        foreach (var block in blocks)
        {
            var id = block.Id is null ? string.Empty : $" id=\"{Html(block.Id)}\"";
            switch (block.Kind)
            {
                case BlockKind.Heading:
                    html.Append("<h").Append(block.Level).Append(id).Append('>').Append(Html(block.Texts[0])).Append("</h").Append(block.Level).Append('>');
                    break;
                case BlockKind.Paragraph:
                    html.Append("<p").Append(id).Append('>').Append(Html(block.Texts[0])).Append("</p>");
                    break;
                case BlockKind.Facts:
                    html.Append("<dl").Append(id).Append('>');
                    for (var i = 0; i < block.Headers.Count; i++)
                    {
                        html.Append("<dt>").Append(Html(block.Headers[i])).Append("</dt><dd>").Append(Html(block.Rows[0][i])).Append("</dd>");
                    }

                    html.Append("</dl>");
                    break;
                case BlockKind.Table:
                    html.Append("<table").Append(id).Append(" class=\"stack\"><thead><tr>");
                    foreach (var header in block.Headers)
                    {
                        html.Append("<th scope=\"col\">").Append(Html(header)).Append("</th>");
                    }

                    html.Append("</tr></thead><tbody>");
                    foreach (var row in block.Rows)
                    {
                        html.Append("<tr>");
                        for (var i = 0; i < row.Count; i++)
                        {
                            var label = i < block.Headers.Count ? Html(block.Headers[i]) : string.Empty;
                            // A cell holding a long unbroken token (a digest, an operation list, a URL) may wrap anywhere; others between words.
                            html.Append(HasLongToken(row[i]) ? "<td class=\"any\" data-label=\"" : "<td data-label=\"").Append(label).Append("\">").Append(Html(row[i])).Append("</td>");
                        }

                        html.Append("</tr>");
                    }

                    html.Append("</tbody></table>");
                    break;
                case BlockKind.List:
                    html.Append("<ul").Append(id).Append('>');
                    foreach (var item in block.Texts)
                    {
                        html.Append("<li>").Append(Html(item)).Append("</li>");
                    }

                    html.Append("</ul>");
                    break;
            }
        }

        return html.ToString();
    }

    public static string Html(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    public static string Html(ReportText text) =>
        string.Concat(text.Parts.Select(p => p.Code ? $"<code>{Html(p.Text)}</code>" : Html(p.Text)));

    /// <summary>
    /// Markdown that renders as exactly this text, escaping only what Markdown would read as markup: emphasis, code,
    /// links and images, inline HTML and strikethrough (<c>\ * _ ` [ ] &lt; &gt; ~</c>), an entity (<c>&amp;amp;</c>),
    /// an autolink (the ':' of "://", the '.' of "www."), a cell's '|' in a table, and at the start of a paragraph or
    /// list item what would start a heading, list, quote or rule. Line breaks become spaces (no new block can start);
    /// other control characters and bidirectional overrides become U+FFFD. Code parts become code spans.
    /// </summary>
    private static string Markdown(ReportText text, Where where)
    {
        var md = new StringBuilder();
        for (var i = 0; i < text.Parts.Count; i++)
        {
            var (part, code) = text.Parts[i];
            if (code && part.Length > 0)
            {
                CodeSpan(md, part, where == Where.Cell);
            }
            else
            {
                Escape(md, part, where == Where.Cell, where == Where.BlockStart && md.Length == 0);
            }
        }

        return md.ToString();
    }

    private static void Escape(StringBuilder md, string text, bool cell, bool blockStart)
    {
        if (blockStart)
        {
            text = text.TrimStart(); // four leading spaces would start a code block
            if (text.Length > 0 && text[0] is '#' or '-' or '+' or '=')
            {
                md.Append('\\');
            }
            else if (ListNumber().Match(text) is { Success: true } number)
            {
                md.Append(number.Groups[1].Value).Append('\\');
                text = text[number.Groups[1].Length..];
            }
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n' or '\u2028' or '\u2029' or '\t' or '\f' or '\v')
            {
                md.Append(' ');
                continue;
            }

            if (char.IsControl(c) || IsBidiControl(c))
            {
                md.Append('\uFFFD');
                continue;
            }

            var escape = c switch
            {
                '\\' or '*' or '_' or '`' or '[' or ']' or '<' or '>' or '~' or '@' => true, // '@': an address autolinks in GFM
                '|' => cell,
                '&' => Entity().IsMatch(text.AsSpan(i)),
                ':' => text.AsSpan(i + 1).StartsWith("//", StringComparison.Ordinal),
                '.' => i >= 3 && text.AsSpan(i - 3, 3).Equals("www", StringComparison.OrdinalIgnoreCase) && (i == 3 || !char.IsLetterOrDigit(text[i - 4])),
                _ => false,
            };
            if (escape)
            {
                md.Append('\\');
            }

            md.Append(c);
        }
    }

    /// <summary>A code span whose fence is longer than any run of backticks inside it; in a table cell a '|' is escaped (GFM reads cells first).</summary>
    private static void CodeSpan(StringBuilder md, string text, bool cell)
    {
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(c is '\r' or '\n' or '\u2028' or '\u2029' or '\t' ? ' ' : char.IsControl(c) || IsBidiControl(c) ? '\uFFFD' : c);
        }

        var content = cell ? clean.Replace("|", "\\|").ToString() : clean.ToString();
        var longest = 0;
        for (int i = 0, run = 0; i < content.Length; i++)
        {
            run = content[i] == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', longest + 1);
        var pad = content.StartsWith('`') || content.EndsWith('`') ? " " : string.Empty;
        md.Append(fence).Append(pad).Append(content).Append(pad).Append(fence);
    }

    private static bool HasLongToken(ReportText text) =>
        text.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(token => token.Length > LongToken);

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';

    private ReportDocument Add(Block block)
    {
        blocks.Add(block);
        return this;
    }

    [GeneratedRegex(@"^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")]
    private static partial Regex Entity();

    [GeneratedRegex(@"^([0-9]{1,9})[.)]")]
    private static partial Regex ListNumber();

    private enum Where
    {
        Inline,
        BlockStart,
        Cell,
    }

    private enum BlockKind
    {
        Heading,
        Paragraph,
        Facts,
        Table,
        List,
    }

    private sealed record Block(BlockKind Kind, int Level, string? Id, IReadOnlyList<ReportText> Texts, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<ReportText>> Rows);
}

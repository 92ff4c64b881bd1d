using System.Text;
using System.Text.Encodings.Web;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// A report as blocks of plain text (headings, paragraphs, facts, tables, lists), rendered to Markdown or HTML with
/// every value escaped for the medium: no recorded text becomes markup, a link, or a new line of structure.
/// </summary>
internal sealed class ReportDocument
{
    private readonly List<Block> blocks = [];

    public ReportDocument Heading(int level, string text, string? id = null) => Add(new Block(BlockKind.Heading, level, id, [text], [], []));

    public ReportDocument Paragraph(string text, string? id = null) => Add(new Block(BlockKind.Paragraph, 0, id, [text], [], []));

    public ReportDocument Facts(string id, params (string Name, string Value)[] facts) =>
        Add(new Block(BlockKind.Facts, 0, id, [], [.. facts.Select(f => f.Name)], [[.. facts.Select(f => f.Value)]]));

    public ReportDocument Table(string id, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows) =>
        Add(new Block(BlockKind.Table, 0, id, [], headers, [.. rows]));

    public ReportDocument List(string id, IEnumerable<string> items) => Add(new Block(BlockKind.List, 0, id, [.. items], [], []));

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        foreach (var block in blocks)
        {
            switch (block.Kind)
            {
                case BlockKind.Heading:
                    md.Append('#', block.Level).Append(' ').Append(Markdown(block.Texts[0])).Append("\n\n");
                    break;
                case BlockKind.Paragraph:
                    md.Append(Markdown(block.Texts[0])).Append("\n\n");
                    break;
                case BlockKind.Facts:
                    for (var i = 0; i < block.Headers.Count; i++)
                    {
                        md.Append("- **").Append(Markdown(block.Headers[i])).Append(":** ").Append(Markdown(block.Rows[0][i])).Append('\n');
                    }

                    md.Append('\n');
                    break;
                case BlockKind.Table:
                    md.Append("| ").Append(string.Join(" | ", block.Headers.Select(Markdown))).Append(" |\n");
                    md.Append('|').Append(string.Concat(block.Headers.Select(_ => " --- |"))).Append('\n');
                    foreach (var row in block.Rows)
                    {
                        md.Append("| ").Append(string.Join(" | ", row.Select(Markdown))).Append(" |\n");
                    }

                    md.Append('\n');
                    break;
                case BlockKind.List:
                    foreach (var item in block.Texts)
                    {
                        md.Append("- ").Append(Markdown(item)).Append('\n');
                    }

                    md.Append('\n');
                    break;
            }
        }

        return md.ToString();
    }

    /// <summary>The body's HTML (no document around it): every value HTML-encoded.</summary>
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
                    html.Append("<table").Append(id).Append("><thead><tr>");
                    foreach (var header in block.Headers)
                    {
                        html.Append("<th>").Append(Html(header)).Append("</th>");
                    }

                    html.Append("</tr></thead><tbody>");
                    foreach (var row in block.Rows)
                    {
                        html.Append("<tr>");
                        foreach (var cell in row)
                        {
                            html.Append("<td>").Append(Html(cell)).Append("</td>");
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

    /// <summary>
    /// Markdown text that renders as exactly these characters: every ASCII punctuation character is backslash-escaped
    /// (so no emphasis, code, link, image, table cell, heading or inline HTML can start), line breaks become spaces (so
    /// no new block can start), and escaping ':' and '.' splits "http://" and "www." so no autolink forms.
    /// </summary>
    public static string Markdown(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var md = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\r' or '\n' or '\u2028' or '\u2029' or '\t' or '\f' or '\v')
            {
                md.Append(' ');
            }
            else if (char.IsControl(c))
            {
                md.Append('\uFFFD');
            }
            else if (c < 128 && char.IsPunctuation(c) || c < 128 && char.IsSymbol(c))
            {
                md.Append('\\').Append(c);
            }
            else
            {
                md.Append(c);
            }
        }

        return md.ToString();
    }

    private ReportDocument Add(Block block)
    {
        blocks.Add(block);
        return this;
    }

    private enum BlockKind
    {
        Heading,
        Paragraph,
        Facts,
        Table,
        List,
    }

    private sealed record Block(BlockKind Kind, int Level, string? Id, IReadOnlyList<string> Texts, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);
}

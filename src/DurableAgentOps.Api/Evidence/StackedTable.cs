using System.Text;
using static DurableAgentOps.Api.Pages.HtmlPage;

namespace DurableAgentOps.Api.Evidence;

/// <summary>
/// A table for the evidence pages that fits any width (<see cref="Core.Evidence.Story.IncidentReport.StackedTables"/>):
/// each cell carries its column's name, so on a narrow screen a row reads as a card of labelled lines. Every value is
/// HTML-encoded.
/// </summary>
internal static class StackedTable
{
    /// <summary>The table; cells of the columns in <paramref name="idColumns"/> (ids, digests, scopes, free text) wrap anywhere, the rest between words.</summary>
    public static string Html(string id, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, params int[] idColumns)
    {
        var html = new StringBuilder().Append("<table id=\"").Append(Encode(id)).Append("\" class=\"stack\"><thead><tr>");
        foreach (var header in headers)
        {
            html.Append("<th scope=\"col\">").Append(Encode(header)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            for (var i = 0; i < row.Count; i++)
            {
                html.Append(idColumns.Contains(i) ? "<td class=\"any\" data-label=\"" : "<td data-label=\"").Append(Encode(i < headers.Count ? headers[i] : string.Empty)).Append("\">").Append(Encode(row[i])).Append("</td>");
            }

            html.Append("</tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }
}

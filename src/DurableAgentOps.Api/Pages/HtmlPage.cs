using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Api.Pages;

/// <summary>
/// Server-rendered HTML for the host's pages (approval, timeline). Every value is HTML-encoded (drafted text is untrusted
/// model output); the pages carry no script, their one style element is allowed by its hash, and their headers forbid
/// caching, referrers, framing and any script or remote content.
/// </summary>
internal sealed class HtmlPage(string? extraStyle = null)
{
    private readonly StringBuilder body = new();
    private readonly string style = Style + extraStyle;

    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    public HtmlPage Heading(string text)
    {
        body.Append("<h1>").Append(Encode(text)).Append("</h1>");
        return this;
    }

    public HtmlPage Banner(string kind, string title, string detail, string? id = null)
    {
        body.Append("<div class=\"banner ").Append(Encode(kind)).Append('"').Append(id is null ? string.Empty : $" id=\"{Encode(id)}\"")
            .Append(" role=\"status\"><strong>").Append(Encode(title)).Append("</strong> ")
            .Append(Encode(detail)).Append("</div>");
        return this;
    }

    public HtmlPage Section(string title)
    {
        body.Append("<h2>").Append(Encode(title)).Append("</h2>");
        return this;
    }

    public HtmlPage Paragraph(string text, string? id = null)
    {
        body.Append("<p").Append(id is null ? string.Empty : $" id=\"{Encode(id)}\"").Append('>').Append(Encode(text)).Append("</p>");
        return this;
    }

    public HtmlPage Facts(IEnumerable<(string Name, string Value)> facts, string? id = null)
    {
        body.Append("<dl").Append(id is null ? string.Empty : $" id=\"{Encode(id)}\"").Append('>');
        foreach (var (name, value) in facts)
        {
            body.Append("<dt>").Append(Encode(name)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>");
        }

        body.Append("</dl>");
        return this;
    }

    public HtmlPage Table(string id, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        body.Append("<table id=\"").Append(Encode(id)).Append("\"><thead><tr>");
        foreach (var header in headers)
        {
            body.Append("<th>").Append(Encode(header)).Append("</th>");
        }

        body.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            body.Append("<tr>");
            foreach (var cell in row)
            {
                body.Append("<td>").Append(Encode(cell)).Append("</td>");
            }

            body.Append("</tr>");
        }

        body.Append("</tbody></table>");
        return this;
    }

    /// <summary>The change as a reviewer reads it: one group per call (operation on record), a row per field, before and after.</summary>
    public HtmlPage ChangeTable(string id, IReadOnlyList<ChangeLine> lines)
    {
        body.Append("<table id=\"").Append(Encode(id)).Append("\" class=\"change\"><thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead><tbody>");
        foreach (var call in lines.GroupBy(l => (l.System, l.Operation, l.Record)))
        {
            body.Append("<tr class=\"call\"><th colspan=\"3\">").Append(Encode($"{call.Key.Operation} on {call.Key.Record} ({call.Key.System})")).Append("</th></tr>");
            foreach (var line in call)
            {
                body.Append("<tr><td>").Append(Encode(line.Field)).Append("</td><td>").Append(Encode(line.Before ?? "(new)")).Append("</td><td>")
                    .Append(Encode(line.After)).Append("</td></tr>");
            }
        }

        if (lines.Count == 0)
        {
            body.Append("<tr><td colspan=\"3\">(the change is not available on this host)</td></tr>");
        }

        body.Append("</tbody></table>");
        return this;
    }

    /// <summary>A paragraph with a class (e.g. the lead sentence of a page).</summary>
    public HtmlPage Text(string cls, string text, string? id = null)
    {
        body.Append("<p class=\"").Append(Encode(cls)).Append('"').Append(id is null ? string.Empty : $" id=\"{Encode(id)}\"").Append('>')
            .Append(Encode(text)).Append("</p>");
        return this;
    }

    /// <summary>A plain list, one item per entry.</summary>
    public HtmlPage Items(string id, IEnumerable<string> items)
    {
        body.Append("<ul id=\"").Append(Encode(id)).Append("\">");
        foreach (var item in items)
        {
            body.Append("<li>").Append(Encode(item)).Append("</li>");
        }

        body.Append("</ul>");
        return this;
    }

    /// <summary>Content folded away under a summary line (identifiers and digests a reviewer rarely needs).</summary>
    public HtmlPage Details(string summary, string id, Action<HtmlPage> content)
    {
        ArgumentNullException.ThrowIfNull(content);
        body.Append("<details id=\"").Append(Encode(id)).Append("\"><summary>").Append(Encode(summary)).Append("</summary>");
        content(this);
        body.Append("</details>");
        return this;
    }

    /// <summary>
    /// The change as a stacked list that reads on a phone: one group per call (operation on record), then per field its
    /// name, the value before (when the run read one) and the value after. The caller picks the lines to show.
    /// </summary>
    public HtmlPage ChangeList(string id, IReadOnlyList<ChangeLine> lines, string empty)
    {
        body.Append("<div id=\"").Append(Encode(id)).Append("\" class=\"changes\">");
        foreach (var call in lines.GroupBy(l => (l.System, l.Operation, l.Record)))
        {
            body.Append("<h3>").Append(Encode($"{call.Key.Operation} on {call.Key.Record} ({call.Key.System})")).Append("</h3><dl class=\"change-fields\">");
            foreach (var line in call)
            {
                body.Append("<dt>").Append(Encode(line.Field)).Append("</dt><dd>");
                body.Append(line.Before is null
                    ? "<span class=\"tag\">new</span> "
                    : $"<del><span class=\"tag\">before</span> {Encode(line.Before)}</del><br><span class=\"tag\">after</span> ");
                body.Append("<ins>").Append(Encode(line.After)).Append("</ins></dd>");
            }

            body.Append("</dl>");
        }

        if (lines.Count == 0)
        {
            body.Append("<p>").Append(Encode(empty)).Append("</p>");
        }

        body.Append("</div>");
        return this;
    }

    /// <summary>Markup the caller built with <see cref="Encode"/> for every value it holds (e.g. the timeline's SVG).</summary>
    public HtmlPage Markup(string html)
    {
        body.Append(html);
        return this;
    }

    public HtmlPage Link(string href, string text, string id)
    {
        body.Append("<p><a class=\"button\" id=\"").Append(Encode(id)).Append("\" href=\"").Append(Encode(href)).Append("\">").Append(Encode(text)).Append("</a></p>");
        return this;
    }

    /// <summary>The decision form: a person's click posts it, with the anti-forgery token bound to their sign-in.</summary>
    public HtmlPage DecisionForm(string action, string antiforgeryField, string antiforgeryToken, int maxComment)
    {
        body.Append("<form method=\"post\" action=\"").Append(Encode(action)).Append("\" id=\"decision\">")
            .Append("<input type=\"hidden\" name=\"").Append(Encode(antiforgeryField)).Append("\" value=\"").Append(Encode(antiforgeryToken)).Append("\">")
            .Append("<label for=\"comment\">Comment (optional)</label>")
            .Append("<p id=\"comment-readers\" class=\"hint\">The person who started the run, the other approvers and the gate's Teams channel read it.</p>")
            .Append("<textarea id=\"comment\" name=\"comment\" aria-describedby=\"comment-readers\" maxlength=\"").Append(maxComment.ToString(CultureInfo.InvariantCulture)).Append("\" rows=\"3\"></textarea>")
            .Append("<p><button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">Approve</button> ")
            .Append("<button type=\"submit\" name=\"decision\" value=\"reject\" id=\"reject\">Reject</button></p></form>");
        return this;
    }

    public async Task WriteAsync(HttpResponse response, int status, string title)
    {
        ArgumentNullException.ThrowIfNull(response);
        Secure(response, StyleHash(style));
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        var page = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"referrer\" content=\"no-referrer\"><title>").Append(Encode(title)).Append(" — DurableAgentOps</title>")
            .Append("<style>").Append(style).Append("</style></head><body><main>")
            .Append(body).Append("</main></body></html>");
        await response.WriteAsync(page.ToString());
    }

    /// <summary>The CSP source that allows exactly this style element's text: <c>'sha256-…'</c>.</summary>
    public static string StyleHash(string styleText) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(styleText)))}'";

    /// <summary>
    /// The headers every page sends, also on refusals. <paramref name="styleSource"/> is the CSP source of the page's
    /// one style element (its hash); without it no style at all is allowed.
    /// </summary>
    public static void Secure(HttpResponse response, string? styleSource = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src {styleSource ?? "'none'"}; img-src 'none'; script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    }

    private const string Style =
        "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}main{max-width:60rem;margin:0 auto;padding:1.5rem}" +
        "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}table{border-collapse:collapse;width:100%;background:#fff}" +
        "th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap;word-break:break-word}" +
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0;white-space:pre-wrap;word-break:break-word}" +
        ".banner{padding:.7rem 1rem;border-radius:.4rem;margin:1rem 0}.ok{background:#dafbe1}.wait{background:#fff8c5}.refused{background:#ffebe9}" +
        "a.button,button{display:inline-block;padding:.5rem 1.1rem;border-radius:.4rem;border:1px solid #1f6feb;background:#1f6feb;color:#fff;text-decoration:none;font-size:1rem}" +
        "button#reject{background:#fff;color:#cf222e;border-color:#cf222e}textarea{width:100%;font:inherit}.hint{margin:.2rem 0 .4rem;color:#57606a;font-size:.9em}" +
        "table.change td:first-child{width:9rem;font-weight:600}table.change td:nth-child(2){width:30%;color:#57606a}tr.call th{background:#eaeef2}";
}

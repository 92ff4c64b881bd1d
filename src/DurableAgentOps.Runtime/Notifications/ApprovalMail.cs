using System.Text;
using System.Text.Encodings.Web;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The subject and the two bodies (plain text and HTML) of one notice mail for one recipient. Every value of the
/// notice is untrusted: the HTML part encodes each one (a drafted <c>&lt;script&gt;</c> is text) and splits it where a
/// link could start (<see cref="UntrustedText.ForHtml"/>), the plain part brackets what looks like an address
/// (<see cref="UntrustedText.Defang"/>), and the subject is one line without control characters. The HTML fits a
/// phone: one column at most 600 px wide, long values and the link wrap.
/// </summary>
internal static class ApprovalMail
{
    /// <summary>Longest subject; longer ones end in "…" (mail clients show about 80 characters anyway).</summary>
    public const int MaxSubjectLength = 160;

    /// <summary>Longest value in a mail; the page shows the whole of it.</summary>
    public const int MaxValueLength = 10_000;

    private const string Wrap = "overflow-wrap:anywhere;word-break:break-word";
    private const string Cell = "padding:4px 8px;border:1px solid #d0d7de;vertical-align:top;white-space:pre-wrap;" + Wrap;
    private const string Head = "padding:4px 8px;border:1px solid #d0d7de;text-align:left;vertical-align:top;background:#f6f8fa;" + Wrap;
    private const string Table = "border-collapse:collapse;width:100%";
    private const string Quiet = "color:#59636e";

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Subject(ApprovalNotice notice) =>
        UntrustedText.ForHeader($"{NoticeText.Heading(notice)}: {NoticeText.Title(notice)}", MaxSubjectLength);

    /// <summary>The banner's colours (accent, tint, ink): the same meaning as the card's container style.</summary>
    public static (string Accent, string Tint, string Ink) Colours(ApprovalNotice notice) => notice.Kind switch
    {
        NoticeKind.Outcome => NoticeText.WriteUnfinished(notice) ? ("#9a6700", "#fff8c5", "#6c4400") : NoticeText.VerdictOf(notice) switch
        {
            NoticeVerdict.Approved => ("#1a7f37", "#dafbe1", "#116329"),
            NoticeVerdict.Rejected => ("#cf222e", "#ffebe9", "#a40e26"),
            _ => ("#9a6700", "#fff8c5", "#6c4400"),
        },
        NoticeKind.Escalation => ("#9a6700", "#fff8c5", "#6c4400"),
        _ => ("#0969da", "#ddf4ff", "#0a3069"),
    };

    public static string Text(ApprovalNotice notice, NoticeRecipient recipient)
    {
        var outcome = notice.Kind == NoticeKind.Outcome;
        var text = new StringBuilder();
        text.Append(Plain(NoticeText.Heading(notice))).Append('\n').Append('\n');
        text.Append(Plain(NoticeText.Intro(notice))).Append('\n').Append('\n');
        if (outcome && notice.Audience != NoticeAudience.CoApprovers && notice.Decisions is { Count: > 0 } decisions)
        {
            text.Append("Decided").Append('\n');
            foreach (var decision in decisions)
            {
                text.Append("  ").Append(Plain(NoticeText.DecisionLine(decision))).Append('\n');
                text.Append("  Comment: ").Append(Indent(Plain(decision.Comment ?? NoticeText.NoComment))).Append('\n');
            }

            text.Append('\n');
        }

        foreach (var (label, value, ours) in Facts(notice))
        {
            text.Append(label).Append(": ").Append(ours ? value : Plain(value)).Append('\n');
        }

        text.Append('\n').Append("The exact change").Append('\n');
        foreach (var record in NoticeText.ByRecord(notice.Change))
        {
            text.Append("  ").Append(Plain($"{record.Key.Operation} on {record.Key.Record} ({record.Key.System})")).Append('\n');
            foreach (var line in record)
            {
                text.Append("    ").Append(Plain(line.Field)).Append(": ")
                    .Append(Indent(Plain(NoticeText.Before(line)))).Append(" → ").Append(Indent(Plain(line.After))).Append('\n');
            }
        }

        text.Append('\n').Append("Who makes it: ").Append(Plain(NoticeText.Identity(notice))).Append('\n');
        if (NoticeText.MadeAs(notice) is { } madeAs)
        {
            text.Append("Made as: ").Append(Plain(madeAs)).Append('\n');
        }

        text.Append("Its scope: ").Append(Plain(NoticeText.Scope(notice))).Append('\n');
        text.Append(WhyLabel(notice)).Append(": ").Append(Indent(Plain(notice.WhyThisGate))).Append('\n');
        text.Append("Change digest: ").Append(UntrustedText.ForHeader(notice.ChangeDigest, 200)).Append('\n').Append('\n');

        // The link on a line of its own: a long one then only makes that line long, and clients link it whole.
        text.Append(NoticeText.ActionTitle(notice)).Append(':').Append('\n').Append(recipient.Link.AbsoluteUri).Append('\n');
        if (!outcome)
        {
            text.Append(NoticeText.LinkNote).Append('\n');
            if (notice.RunPage is { } runPage)
            {
                text.Append('\n').Append("Follow the run:").Append('\n').Append(runPage.AbsoluteUri).Append('\n');
            }

            text.Append('\n').Append("This link is yours alone: do not forward this mail.").Append('\n');
        }

        return text.ToString();
    }

    public static string HtmlBody(ApprovalNotice notice, NoticeRecipient recipient)
    {
        var outcome = notice.Kind == NoticeKind.Outcome;
        var (accent, tint, ink) = Colours(notice);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<meta name=\"referrer\" content=\"no-referrer\"><title>").Append(Html.Encode(Subject(notice))).Append("</title></head>")
            .Append("<body style=\"margin:0;padding:0;background:#ffffff;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.45;color:#1f2328\">")
            .Append("<div style=\"max-width:600px;margin:0 auto;padding:16px;box-sizing:border-box;").Append(Wrap).Append("\">");
        html.Append("<div id=\"banner\" style=\"padding:12px 16px;margin:0 0 12px;border-left:6px solid ").Append(accent).Append(";background:").Append(tint).Append("\">")
            .Append("<h2 style=\"margin:0;font-size:20px;color:").Append(ink).Append("\">").Append(Encoded(NoticeText.Heading(notice))).Append("</h2></div>");
        html.Append("<p>").Append(Encoded(NoticeText.Intro(notice))).Append("</p>");

        if (outcome && notice.Audience != NoticeAudience.CoApprovers && notice.Decisions is { Count: > 0 } decisions)
        {
            html.Append("<h3 style=\"margin:16px 0 8px\">Decided</h3>");
            foreach (var decision in decisions)
            {
                html.Append("<div class=\"decision\" style=\"padding:8px 12px;margin:0 0 8px;border:1px solid #d0d7de;border-left:4px solid ").Append(decision.Approved ? "#1a7f37" : "#cf222e").Append("\">")
                    .Append("<p style=\"margin:0;font-weight:600\">").Append(Encoded(NoticeText.DecisionLine(decision))).Append("</p>")
                    .Append("<p class=\"comment\" style=\"margin:4px 0 0;white-space:pre-wrap\">")
                    .Append(decision.Comment is null ? $"<span style=\"{Quiet}\">{NoticeText.NoComment}</span>" : "Comment: " + Encoded(decision.Comment))
                    .Append("</p></div>");
            }
        }

        html.Append("<table style=\"").Append(Table).Append("\">");
        foreach (var (label, value, ours) in Facts(notice))
        {
            html.Append("<tr><th style=\"").Append(Head).Append(";width:30%\">").Append(label).Append("</th><td style=\"").Append(Cell).Append("\">")
                .Append(ours ? Html.Encode(value) : Encoded(value)).Append("</td></tr>");
        }

        html.Append("</table>");

        html.Append("<h3 style=\"margin:16px 0 8px\">The exact change</h3>");
        // One caption row per record, then field, before, after: three columns at fixed shares, so a phone's width
        // wraps long values inside their cells instead of squeezing the field names.
        html.Append("<table style=\"").Append(Table).Append(";table-layout:fixed\"><tr>");
        foreach (var (column, width) in new[] { ("Field", "26%"), ("Before", "32%"), ("After", "42%") })
        {
            html.Append("<th style=\"").Append(Head).Append(";width:").Append(width).Append("\">").Append(column).Append("</th>");
        }

        html.Append("</tr>");
        foreach (var record in NoticeText.ByRecord(notice.Change))
        {
            html.Append("<tr><td colspan=\"3\" class=\"record\" style=\"").Append(Cell).Append(";background:#f6f8fa;font-weight:600\">")
                .Append(Encoded($"{record.Key.Operation} on {record.Key.Record} ({record.Key.System})")).Append("</td></tr>");
            foreach (var line in record)
            {
                html.Append("<tr><td style=\"").Append(Cell).Append("\">").Append(Encoded(line.Field)).Append("</td>")
                    .Append("<td style=\"").Append(Cell).Append(line.Before is null ? ";" + Quiet + "\">" : "\">").Append(Encoded(NoticeText.Before(line))).Append("</td>")
                    .Append("<td style=\"").Append(Cell).Append("\">").Append(Encoded(line.After)).Append("</td></tr>");
            }
        }

        html.Append("</table>");

        html.Append("<h3 style=\"margin:16px 0 8px\">Who makes it</h3><table style=\"").Append(Table).Append("\">");
        foreach (var (label, value) in (IEnumerable<(string, string)>)
        [
            .. NoticeText.MadeAs(notice) is { } madeAs ? [("Made as", Encoded(madeAs))] : Array.Empty<(string, string)>(),
            ("Identity", Encoded(notice.WriterIdentity)), ("Client id", Encoded(notice.WriterClientId)), ("Scope", Encoded(NoticeText.Scope(notice))),
            (WhyLabel(notice), Encoded(notice.WhyThisGate)), ("Change digest", Html.Encode(UntrustedText.ForHeader(notice.ChangeDigest, 200))),
        ])
        {
            html.Append("<tr><th style=\"").Append(Head).Append(";width:30%\">").Append(label).Append("</th><td style=\"").Append(Cell).Append("\">")
                .Append(value).Append("</td></tr>");
        }

        html.Append("</table>");

        // The link is ours (built by the approval service), but it is still encoded as an attribute value.
        var link = Html.Encode(recipient.Link.AbsoluteUri);
        html.Append("<p style=\"margin:24px 0 8px\"><a href=\"").Append(link).Append("\" rel=\"noreferrer\" ")
            .Append("style=\"display:inline-block;padding:10px 18px;background:#0f6cbd;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600\">")
            .Append(Html.Encode(NoticeText.ActionTitle(notice))).Append("</a></p>");
        html.Append("<p id=\"fallback\" style=\"").Append(Quiet).Append(";word-break:break-all;overflow-wrap:anywhere\">Or open this address:<br>").Append(link).Append("</p>");
        if (!outcome)
        {
            html.Append("<p style=\"").Append(Quiet).Append("\">").Append(Html.Encode(NoticeText.LinkNote)).Append("</p>");
            if (notice.RunPage is { } runPage)
            {
                html.Append("<p style=\"").Append(Quiet).Append("\">Follow the run on <a href=\"").Append(Html.Encode(runPage.AbsoluteUri))
                    .Append("\" rel=\"noreferrer\">its page</a>.</p>");
            }

            html.Append("<p style=\"").Append(Quiet).Append("\">This link is yours alone: do not forward this mail.</p>");
        }

        html.Append("</div></body></html>");
        return html.ToString();
    }

    /// <summary>The run's facts; <c>Ours</c> marks values this service formatted (numbers, times), which need no link breaking.</summary>
    private static IEnumerable<(string Label, string Value, bool Ours)> Facts(ApprovalNotice notice)
    {
        yield return ("Workflow", notice.Workflow, false);
        yield return ("Run", notice.RunId, false);
        yield return ("Step", notice.StepId, false);
        yield return ("Started by", notice.InitiatorName, false);
        yield return ("Gate", notice.Gate, false);
        if (notice.Kind == NoticeKind.Outcome)
        {
            yield return ("Outcome", NoticeText.VerdictWord(NoticeText.VerdictOf(notice)), true);
            yield break;
        }

        yield return ("Approvals", NoticeText.Approvals(notice), true);
        yield return ("Decide by", NoticeText.Deadline(notice), true);
    }

    /// <summary>Approvers are asked; the starter and co-approvers are told why the change needed approval.</summary>
    private static string WhyLabel(ApprovalNotice notice) => notice.Kind == NoticeKind.Outcome ? "Why it needed approval" : "Why you are asked";

    /// <summary>An untrusted value, bounded, control characters out.</summary>
    private static string Value(string value) => UntrustedText.Cut(UntrustedText.ForBody(value), MaxValueLength);

    /// <summary>For the plain part: what looks like an address bracketed.</summary>
    private static string Plain(string value) => UntrustedText.Defang(Value(value));

    /// <summary>For the HTML part: encoded, split where a link could start.</summary>
    private static string Encoded(string value) => UntrustedText.ForHtml(Value(value), Html);

    // Continuation lines of a multi-line value stay inside its entry in the plain text part.
    private static string Indent(string value) => value.Replace("\n", "\n      ", StringComparison.Ordinal);
}

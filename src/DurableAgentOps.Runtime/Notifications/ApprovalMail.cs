using System.Text;
using System.Text.Encodings.Web;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The subject and the two bodies (plain text and HTML) of one approval mail for one recipient. Every value of the
/// notice is untrusted: the HTML part encodes each one (a drafted <c>&lt;script&gt;</c> is text), both parts break
/// links in it (so a drafted URL is not clickable), and the subject is one line without control characters.
/// </summary>
internal static class ApprovalMail
{
    /// <summary>Longest subject; longer ones end in "…" (mail clients show about 80 characters anyway).</summary>
    public const int MaxSubjectLength = 160;

    /// <summary>Longest value in a mail; the page shows the whole of it.</summary>
    public const int MaxValueLength = 10_000;

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Subject(ApprovalNotice notice) =>
        UntrustedText.ForHeader($"{NoticeText.Heading(notice)}: {NoticeText.Title(notice)}", MaxSubjectLength);

    public static string Text(ApprovalNotice notice, NoticeRecipient recipient)
    {
        var text = new StringBuilder();
        text.Append(NoticeText.Heading(notice)).Append('\n').Append('\n');
        text.Append(Value(NoticeText.Intro(notice))).Append('\n').Append('\n');
        foreach (var (label, value, ours) in Facts(notice))
        {
            text.Append(label).Append(": ").Append(ours ? value : Value(value)).Append('\n');
        }

        text.Append('\n').Append("The exact change").Append('\n');
        foreach (var record in NoticeText.ByRecord(notice.Change))
        {
            text.Append("  ").Append(Value($"{record.Key.Operation} on {record.Key.Record} ({record.Key.System})")).Append('\n');
            foreach (var line in record)
            {
                text.Append("    ").Append(Value(line.Field)).Append(": ")
                    .Append(Indent(Value(NoticeText.Before(line)))).Append(" → ").Append(Indent(Value(line.After))).Append('\n');
            }
        }

        text.Append('\n').Append("Who makes it: ").Append(Value(NoticeText.Identity(notice))).Append('\n');
        text.Append("Its scope: ").Append(Value(NoticeText.Scope(notice))).Append('\n');
        text.Append("Why you are asked: ").Append(Indent(Value(notice.WhyThisGate))).Append('\n');
        text.Append("Change digest: ").Append(UntrustedText.ForHeader(notice.ChangeDigest, 200)).Append('\n').Append('\n');
        text.Append(NoticeText.ActionTitle(notice)).Append(": ").Append(recipient.Link.AbsoluteUri).Append('\n');
        if (notice.Kind != NoticeKind.Outcome)
        {
            text.Append(NoticeText.LinkNote).Append('\n');
        }

        text.Append('\n').Append("This link is yours alone: do not forward this mail.").Append('\n');
        return text.ToString();
    }

    public static string HtmlBody(ApprovalNotice notice, NoticeRecipient recipient)
    {
        const string Cell = "padding:4px 8px;border:1px solid #d0d7de;vertical-align:top;white-space:pre-wrap;word-break:break-word";
        const string Head = "padding:4px 8px;border:1px solid #d0d7de;text-align:left;background:#f6f8fa";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>")
            .Append(E(Subject(notice))).Append("</title></head>")
            .Append("<body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328\">");
        html.Append("<h2 style=\"margin:0 0 8px\">").Append(E(NoticeText.Heading(notice))).Append("</h2>");
        html.Append("<p>").Append(E(NoticeText.Intro(notice))).Append("</p>");

        html.Append("<table style=\"border-collapse:collapse\">");
        foreach (var (label, value, ours) in Facts(notice))
        {
            html.Append("<tr><th style=\"").Append(Head).Append("\">").Append(label).Append("</th><td style=\"").Append(Cell).Append("\">")
                .Append(ours ? Html.Encode(value) : E(value)).Append("</td></tr>");
        }

        html.Append("</table>");

        html.Append("<h3 style=\"margin:16px 0 8px\">The exact change</h3>");
        html.Append("<table style=\"border-collapse:collapse\"><tr>");
        foreach (var column in new[] { "Record", "Field", "Before", "After" })
        {
            html.Append("<th style=\"").Append(Head).Append("\">").Append(column).Append("</th>");
        }

        html.Append("</tr>");
        foreach (var record in NoticeText.ByRecord(notice.Change))
        {
            foreach (var line in record)
            {
                html.Append("<tr><td style=\"").Append(Cell).Append("\">").Append(E($"{line.Operation} on {line.Record} ({line.System})")).Append("</td>")
                    .Append("<td style=\"").Append(Cell).Append("\">").Append(E(line.Field)).Append("</td>")
                    .Append("<td style=\"").Append(Cell).Append(line.Before is null ? ";color:#59636e\">" : "\">").Append(E(NoticeText.Before(line))).Append("</td>")
                    .Append("<td style=\"").Append(Cell).Append("\">").Append(E(line.After)).Append("</td></tr>");
            }
        }

        html.Append("</table>");

        html.Append("<h3 style=\"margin:16px 0 8px\">Who makes it</h3><table style=\"border-collapse:collapse\">");
        foreach (var (label, value) in new[]
        {
            ("Identity", E(notice.WriterIdentity)), ("Client id", E(notice.WriterClientId)), ("Scope", E(NoticeText.Scope(notice))),
            ("Why you are asked", E(notice.WhyThisGate)), ("Change digest", Html.Encode(UntrustedText.ForHeader(notice.ChangeDigest, 200))),
        })
        {
            html.Append("<tr><th style=\"").Append(Head).Append("\">").Append(label).Append("</th><td style=\"").Append(Cell).Append("\">")
                .Append(value).Append("</td></tr>");
        }

        html.Append("</table>");

        // The link is ours (built by the approval service), but it is still encoded as an attribute value.
        var link = Html.Encode(recipient.Link.AbsoluteUri);
        html.Append("<p style=\"margin:24px 0 8px\"><a href=\"").Append(link).Append("\" rel=\"noreferrer\" ")
            .Append("style=\"display:inline-block;padding:10px 18px;background:#0f6cbd;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600\">")
            .Append(E(NoticeText.ActionTitle(notice))).Append("</a></p>");
        html.Append("<p style=\"color:#59636e\">Or open ").Append(link).Append("</p>");
        if (notice.Kind != NoticeKind.Outcome)
        {
            html.Append("<p style=\"color:#59636e\">").Append(E(NoticeText.LinkNote)).Append("</p>");
        }

        html.Append("<p style=\"color:#59636e\">This link is yours alone: do not forward this mail.</p></body></html>");
        return html.ToString();
    }

    /// <summary>The run's facts; <c>Ours</c> marks values this service formatted (numbers, times), which need no link breaking.</summary>
    private static IEnumerable<(string Label, string Value, bool Ours)> Facts(ApprovalNotice notice) =>
    [
        ("Workflow", notice.Workflow, false),
        ("Run", notice.RunId, false),
        ("Step", notice.StepId, false),
        ("Started by", notice.InitiatorName, false),
        ("Gate", notice.Gate, false),
        ("Approvals", NoticeText.Approvals(notice), true),
        notice.Kind == NoticeKind.Outcome ? ("Outcome", notice.Outcome ?? "decided", false) : ("Decide by", NoticeText.Deadline(notice), true),
    ];

    /// <summary>An untrusted value for either part: bounded, control characters out, links broken.</summary>
    private static string Value(string value) =>
        UntrustedText.BreakLinks(UntrustedText.Cut(UntrustedText.ForBody(value), MaxValueLength));

    private static string E(string value) => Html.Encode(Value(value));

    // Continuation lines of a multi-line value stay inside its entry in the plain text part.
    private static string Indent(string value) => value.Replace("\n", "\n      ", StringComparison.Ordinal);
}

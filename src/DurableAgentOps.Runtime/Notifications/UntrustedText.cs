using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// Makes untrusted text (drafted by a model, read from a business system, or a person's display name) safe for one
/// place it is shown. Encoding for HTML is the channel's job (it uses the framework's encoder); this class does the
/// rest: header values, length caps, links and Markdown.
/// </summary>
internal static partial class UntrustedText
{
    public const string Ellipsis = "…";

    /// <summary>
    /// One line for a mail header or a title: control and format characters (CR, LF, TAB, bidi overrides, zero-width)
    /// become spaces or go, runs of white space become one space, and the result is cut to <paramref name="max"/>.
    /// </summary>
    public static string ForHeader(string? text, int max)
    {
        var line = new StringBuilder(Math.Min(text?.Length ?? 0, 4096));
        var space = false;
        foreach (var rune in (text ?? string.Empty).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune) || category == UnicodeCategory.Control)
            {
                space = line.Length > 0;
                continue;
            }

            if (category is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }

            if (space)
            {
                line.Append(' ');
                space = false;
            }

            line.Append(rune.ToString());
        }

        return Cut(line.ToString(), max);
    }

    /// <summary>The text, or its first <paramref name="max"/> characters and "…" (never splitting a surrogate pair).</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var end = Math.Max(0, max - Ellipsis.Length);
        if (end > 0 && char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text[..end] + Ellipsis;
    }

    /// <summary>
    /// Multi-line body text: line breaks are kept (as \n), other control characters and the bidi controls that could
    /// reorder what an approver reads go.
    /// </summary>
    public static string ForBody(string? text)
    {
        var body = new StringBuilder((text ?? string.Empty).Length);
        foreach (var c in (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n'))
        {
            if (c == '\n' || c == '\t')
            {
                body.Append(c);
            }
            else if (!char.IsControl(c) && !IsBidiControl(c))
            {
                body.Append(c);
            }
        }

        return body.ToString();
    }

    /// <summary>
    /// Where a client could start reading a link: a '.' or ':' followed by a letter, digit or '/', and an '@' between
    /// two non-blank characters ("https://x.example/a", "a@b.example"). Each channel breaks the text there in its own
    /// way, adding no character to the value: the card escapes that character, the HTML mail puts it in its own
    /// element, the plain text part brackets it in what looks like a link.
    /// </summary>
    public static bool BreaksLink(string text, int i)
    {
        var c = text[i];
        var next = i + 1 < text.Length ? text[i + 1] : ' ';
        return c switch
        {
            '.' or ':' => char.IsLetterOrDigit(next) || next == '/',
            '@' => i > 0 && !char.IsWhiteSpace(text[i - 1]) && !char.IsWhiteSpace(next),
            _ => false,
        };
    }

    /// <summary>
    /// HTML for an untrusted value: encoded, and each character where a link could start (<see cref="BreaksLink"/>) in
    /// a <c>&lt;span&gt;</c> of its own, so no text node holds a whole URL or address for a client to link, while the
    /// text (copied, searched, read aloud) is exactly the value.
    /// </summary>
    public static string ForHtml(string text, HtmlEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var html = new StringBuilder(text.Length + 16);
        var from = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (BreaksLink(text, i))
            {
                html.Append(encoder.Encode(text[from..i])).Append("<span>").Append(encoder.Encode(text[i].ToString())).Append("</span>");
                from = i + 1;
            }
        }

        return html.Append(encoder.Encode(text[from..])).ToString();
    }

    /// <summary>
    /// Plain text cannot hold a value apart from a link, and text mail clients link what looks like one; so in what
    /// looks like a web or mail address or a share (a scheme's "://", "www.", an '@', a dotted name ending in a top-level
    /// domain clients link, a UNC "\\host") the '.', "://", '@' and "\\" are bracketed ("https[:]//evil[.]example"), as
    /// security teams write addresses nobody should click. Everything else, times and amounts too, is left as it is.
    /// </summary>
    public static string Defang(string text) => LinkLike().Replace(text, match =>
    {
        var token = new StringBuilder(match.Length + 8);
        var value = match.Value;
        for (var i = 0; i < value.Length; i++)
        {
            if (string.CompareOrdinal(value, i, "://", 0, 3) == 0)
            {
                token.Append("[:]//");
                i += 2;
            }
            else if (string.CompareOrdinal(value, i, @"\\", 0, 2) == 0)
            {
                token.Append(@"[\\]"); // a UNC path: a click would send the reader's Windows credentials to that host
                i += 1;
            }
            else
            {
                token.Append(value[i] switch { '.' => "[.]", '@' => "[@]", var c => c.ToString() });
            }
        }

        return token.ToString();
    });

    /// <summary>
    /// Text for an Adaptive Card TextBlock or Fact, which hosts render as a subset of Markdown. The characters that start
    /// inline Markdown (<c>\ * _ [ ] ` ~ &lt;</c>) are backslash-escaped everywhere (CommonMark escapes), and those that
    /// start a block (<c># &gt; - + =</c>, and the '.' or ')' of "1." / "1)") where a line begins, so emphasis, lists,
    /// headings, code and <c>[text](url)</c> show as the characters typed; so is each character where a link could
    /// start (<see cref="BreaksLink"/>), which splits the text a linkifier reads without adding a character to what is
    /// shown. A host that ignored the escapes would show the backslashes, and still no link.
    /// </summary>
    public static string ForMarkdown(string text) => EscapeMarkdown(ForBody(text), breakLinks: true);

    /// <summary>The Markdown escaping of <see cref="ForMarkdown"/> alone, for text this service wrote (times, counts).</summary>
    public static string EscapeMarkdown(string source) => EscapeMarkdown(source, breakLinks: false);

    private static string EscapeMarkdown(string source, bool breakLinks)
    {
        var escaped = new StringBuilder(source.Length + 16);
        var lineStart = true;
        var digitsOnly = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (c == '\n')
            {
                escaped.Append(c);
                lineStart = true;
                digitsOnly = false;
                continue;
            }

            var blockMarker = lineStart && c is '#' or '>' or '-' or '+' or '=' || digitsOnly && c is '.' or ')';
            if (c is '\\' or '*' or '_' or '[' or ']' or '`' or '~' or '<' || blockMarker || breakLinks && BreaksLink(source, i))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
            digitsOnly = char.IsAsciiDigit(c) && (lineStart || digitsOnly);
            lineStart = lineStart && c is ' ' or '\t';
        }

        return escaped.ToString();
    }

    // A token with a scheme, "www.", an '@' or a UNC "\\host" start, or a dotted name ending in a top-level domain that
    // mail clients link (the common ones, those abused for look-alike names such as "pay-now.zip", any two letters).
    // Not every dotted name: an operation name ("system.resource.verb") or a data path ("record.field") in the same mail must stay readable.
    [GeneratedRegex(@"\S*(?:://|www\.|@|\\\\)\S*|(?<![\w.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|app|dev|ai|me|xyz|site|online|shop|store|edu|gov|link|click|top|live|zip|mov|support|company|cloud|email|tech|pro|club|work|page|help|login|secure|services|software|digital|today|world|xn--[a-z0-9-]+|[a-z]{2})(?![\w-])\S*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LinkLike();

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';
}

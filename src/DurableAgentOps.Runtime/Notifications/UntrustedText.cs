using System.Globalization;
using System.Text;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// Makes untrusted text (drafted by a model, read from a business system, or a person's display name) safe for one
/// place it is shown. Encoding for HTML is the channel's job (it uses the framework's encoder); this class does the
/// rest: header values, length caps, links and Markdown.
/// </summary>
internal static class UntrustedText
{
    public const string Ellipsis = "…";

    private const char ZeroWidthSpace = '\u200B';

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
    /// Stops clients from turning text into a link: a zero-width space after every '.' and ':' that is followed by a
    /// letter, digit or '/', and on both sides of '@', so "https://x.example/a" and "a@b.example" read the same but
    /// match no URL, domain or address pattern (a scheme needs "://" unbroken, a domain a known top-level name right
    /// after its dot, an address plain ASCII right before its '@'). The approval page shows the exact text; a notice is
    /// a pointer to it.
    /// </summary>
    public static string BreakLinks(string text)
    {
        var broken = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var next = i + 1 < text.Length ? text[i + 1] : ' ';
            if (text[i] == '@' && i > 0 && !char.IsWhiteSpace(text[i - 1]))
            {
                broken.Append(ZeroWidthSpace);
            }

            broken.Append(text[i]);
            if (text[i] is '.' or ':' or '@' && (char.IsLetterOrDigit(next) || next == '/'))
            {
                broken.Append(ZeroWidthSpace);
            }
        }

        return broken.ToString();
    }

    /// <summary>
    /// Text for an Adaptive Card TextBlock or Fact, which hosts render as a subset of Markdown. The characters that start
    /// inline Markdown (<c>\ * _ [ ] ` ~ &lt;</c>) are backslash-escaped everywhere (CommonMark escapes), and those that
    /// start a block (<c># &gt; - + =</c>, and the '.' or ')' of "1." / "1)") where a line begins, so emphasis, lists,
    /// headings, code and <c>[text](url)</c> show as the characters typed; links are broken as in
    /// <see cref="BreakLinks"/>. A host that ignored the escapes would show the backslashes, and still no link: "]("
    /// is never adjacent any more and no URL pattern matches.
    /// </summary>
    public static string ForMarkdown(string text) => EscapeMarkdown(BreakLinks(ForBody(text)));

    /// <summary>The Markdown escaping of <see cref="ForMarkdown"/> alone, for text this service wrote (times, counts).</summary>
    public static string EscapeMarkdown(string source)
    {
        var escaped = new StringBuilder(source.Length + 16);
        var lineStart = true;
        var digitsOnly = false;
        foreach (var c in source)
        {
            if (c == '\n')
            {
                escaped.Append(c);
                lineStart = true;
                digitsOnly = false;
                continue;
            }

            var blockMarker = lineStart && c is '#' or '>' or '-' or '+' or '=' || digitsOnly && c is '.' or ')';
            if (c is '\\' or '*' or '_' or '[' or ']' or '`' or '~' or '<' || blockMarker)
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
            digitsOnly = char.IsAsciiDigit(c) && (lineStart || digitsOnly);
            lineStart = lineStart && c is ' ' or '\t';
        }

        return escaped.ToString();
    }

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';
}

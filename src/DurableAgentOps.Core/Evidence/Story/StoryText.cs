using System.Globalization;
using System.Text;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>Formatting shared by the renderers: times, offsets, and text made safe for a terminal line.</summary>
public static class StoryText
{
    public static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : RunStory.Missing;

    /// <summary>"+1:02.345" from the run's start (or from the first event when the start is not recorded).</summary>
    public static string Offset(DateTimeOffset at, DateTimeOffset origin)
    {
        var span = at - origin;
        var sign = span < TimeSpan.Zero ? "-" : "+";
        span = span.Duration();
        return span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}.{span.Milliseconds:000}")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{span.Minutes}:{span.Seconds:00}.{span.Milliseconds:000}");
    }

    /// <summary>A length of time for people: "2 d 3 h", "5 h 12 min", "12 min 5 s", "4.2 s", "200 ms".</summary>
    public static string Span(TimeSpan span)
    {
        span = span.Duration();
        return span switch
        {
            { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} d {span.Hours} h"),
            { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min"),
            { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds} s"),
            { TotalSeconds: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalMilliseconds} ms"),
        };
    }

    public static string Duration(long? ms) => ms is { } m ? string.Create(CultureInfo.InvariantCulture, $"{m} ms") : RunStory.Missing;

    /// <summary>
    /// One terminal line: control characters (newlines, ESC and the rest of C0/C1, DEL) and bidirectional overrides
    /// are shown as \uXXXX, so a recorded comment cannot move the cursor, recolour the terminal or fake a line.
    /// </summary>
    public static string Terminal(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static string Or(string? text) => string.IsNullOrEmpty(text) ? RunStory.Missing : text;
}

using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Runs;

/// <summary>
/// An input field's pattern as it is matched: against the whole value. The author's pattern is wrapped in
/// <c>\A(?:...)\z</c>, so <c>^ACC-[0-9]{6}$</c> refuses "ACC-000001\n" ($ alone would match before a final newline)
/// and an unanchored pattern cannot match a fragment of a longer value.
/// </summary>
internal static class InputPattern
{
    /// <summary>A match may not take longer than this: a pattern is author-written, the value is not.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    public static string Anchor(string pattern) => $@"\A(?:{pattern})\z";

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when the anchored pattern is not a valid regular expression, and
    /// <see cref="RegexMatchTimeoutException"/> after <see cref="Timeout"/>. Regex's own cache keeps parsed patterns.
    /// </summary>
    public static bool IsMatch(string value, string pattern) =>
        Regex.IsMatch(value, Anchor(pattern), RegexOptions.CultureInvariant, Timeout);
}

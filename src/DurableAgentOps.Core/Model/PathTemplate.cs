using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Model;

/// <summary>
/// A declared HTTP path over run data: literal text with <c>{dotted.path}</c> placeholders, each replaced by the value
/// at that path, escaped as one path segment (or query value), so a value can never add a segment or a query.
/// <c>{record.id}</c> is the call's record id.
/// </summary>
public static partial class PathTemplate
{
    public const string RecordId = "record.id";

    /// <summary>True for a dotted path of names (input.accountId, account.region).</summary>
    public static bool IsDataPath(string? path) =>
        !string.IsNullOrEmpty(path) && path.Length <= 256 && path.Split('.').All(IsPart);

    /// <summary>Every placeholder's path, in order.</summary>
    public static IReadOnlyList<string> Placeholders(string template) =>
        [.. Placeholder().Matches(template).Select(m => m.Groups[1].Value)];

    /// <summary>Why the template is not usable, or null.</summary>
    public static string? Problem(string template)
    {
        if (!template.StartsWith('/'))
        {
            return "must start with '/' (the system's base URL is a setting)";
        }

        // A backslash reads as '/' in an http URI ("/\\host" names another host), and '%' or a control character could
        // spell either: the literal text of a path stays plain.
        if (template.Contains("//", StringComparison.Ordinal) || template.Any(c => c is '#' or '\\' or '%' || char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return "must not contain '//', '\\', '%', '#', spaces or control characters";
        }

        var rest = Placeholder().Replace(template, string.Empty);
        if (rest.Contains('{', StringComparison.Ordinal) || rest.Contains('}', StringComparison.Ordinal))
        {
            return "has a '{' or '}' that is not a {dotted.path} placeholder";
        }

        return Placeholders(template).FirstOrDefault(p => !IsDataPath(p)) is { } bad ? $"has placeholder '{{{bad}}}', which is not a dotted path" : null;
    }

    /// <summary>
    /// The path with every placeholder filled (escaped), or null when any value is missing. A value that would not stay
    /// one segment once escaped (empty, "." or "..", which URI resolution removes or climbs over) is refused with a
    /// <see cref="FormatException"/> naming its path: data, even from a system's answer, never moves a call elsewhere.
    /// </summary>
    public static string? Fill(string template, Func<string, string?> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        var missing = false;
        var filled = Placeholder().Replace(template, m =>
        {
            var value = valueOf(m.Groups[1].Value);
            missing |= value is null;
            if (value is "" or "." or "..")
            {
                throw new FormatException($"'{m.Groups[1].Value}' is '{value}', which cannot be a path segment");
            }

            return Uri.EscapeDataString(value ?? string.Empty);
        });
        return missing ? null : filled;
    }

    private static bool IsPart(string part) =>
        part.Length is > 0 and <= 64 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') && !char.IsAsciiDigit(part[0]);

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();
}

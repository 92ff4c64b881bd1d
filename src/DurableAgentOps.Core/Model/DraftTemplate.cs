using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Model;

/// <summary>
/// A draft step's template: output path (<c>task.subject</c>) → text with <c>{data.path}</c> placeholders. A placeholder
/// may carry one filter: <c>{call.date|date}</c> (the date, yyyy-MM-dd) or <c>{call.date|+3d}</c> (that date plus
/// three days; <c>-2d</c> subtracts). A text that is one placeholder alone keeps the value's JSON type (a number stays a
/// number) and is null when the data has no value; inside other text a missing value is empty.
/// </summary>
public static partial class DraftTemplate
{
    /// <summary>Every placeholder of <paramref name="text"/> as (data path, filter or null).</summary>
    public static IReadOnlyList<(string Path, string? Filter)> Placeholders(string text) =>
        [.. Placeholder().Matches(text).Select(m => Split(m.Groups[1].Value))];

    /// <summary>Why a placeholder's filter is not one of the filters, or null.</summary>
    public static string? FilterProblem(string? filter) =>
        filter is null || filter == "date" || DayShift().IsMatch(filter) ? null : $"unknown filter '|{filter}' (use |date, or |+Nd / |-Nd to shift the date by N days)";

    /// <summary>The draft: each template path set to its text with placeholders filled from <paramref name="valueOf"/>.</summary>
    public static JsonObject Render(IReadOnlyDictionary<string, string> template, Func<string, JsonNode?> valueOf)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(valueOf);
        var draft = new JsonObject();
        foreach (var (path, text) in template)
        {
            var parts = path.Split('.');
            var parent = draft;
            foreach (var part in parts[..^1])
            {
                parent = parent[part] as JsonObject ?? (JsonObject)(parent[part] = new JsonObject());
            }

            parent[parts[^1]] = Fill(text, valueOf);
        }

        return draft;
    }

    private static JsonNode? Fill(string text, Func<string, JsonNode?> valueOf)
    {
        var whole = Placeholder().Match(text);
        if (whole.Success && whole.Length == text.Length)
        {
            var (path, filter) = Split(whole.Groups[1].Value);
            var node = valueOf(path);
            return filter is null ? node?.DeepClone() : Filtered(node, filter) is { } shown ? JsonValue.Create(shown) : null;
        }

        return JsonValue.Create(Placeholder().Replace(text, m =>
        {
            var (path, filter) = Split(m.Groups[1].Value);
            var node = valueOf(path);
            return (filter is null ? Text(node) : Filtered(node, filter)) ?? string.Empty;
        }));
    }

    private static string? Filtered(JsonNode? node, string filter)
    {
        if (!DateTimeOffset.TryParse(Text(node), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return null;
        }

        var days = DayShift().Match(filter) is { Success: true } shift ? int.Parse(shift.Groups[1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var day = DateOnly.FromDateTime(date.UtcDateTime);
        // A shift past the calendar's ends has no date: no value, as for a value that is not a date.
        return day.DayNumber + days is var shifted && shifted >= DateOnly.MinValue.DayNumber && shifted <= DateOnly.MaxValue.DayNumber
            ? day.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;
    }

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value => value.ToString(),
        _ => node.ToJsonString(),
    };

    private static (string Path, string? Filter) Split(string placeholder)
    {
        var bar = placeholder.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? (placeholder.Trim(), null) : (placeholder[..bar].Trim(), placeholder[(bar + 1)..].Trim());
    }

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^([+-][0-9]{1,4})d$")]
    private static partial Regex DayShift();
}

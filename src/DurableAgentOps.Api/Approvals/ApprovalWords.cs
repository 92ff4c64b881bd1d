using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Api.Approvals;

/// <summary>
/// The approval page's sentences, built only from what the change and the definition declare (operation names, records,
/// fields and values): the product knows no sample field or operation, so every workflow reads the same way.
/// </summary>
internal static class ApprovalWords
{
    private const int MaxQuoted = 80;

    /// <summary>
    /// The fields a change actually changes: a field whose value the run read and the write keeps is no change. A call
    /// that creates a record (an HTTP POST, not a tool call) changes every field it sends: the value read "before" is
    /// then the parent record's (an account's owner for a new task), not the new record's, so it is not shown as one.
    /// </summary>
    public static IReadOnlyList<ChangeLine> Changed(ProposedChange? change)
    {
        if (change is null)
        {
            return [];
        }

        var creates = (change.Calls ?? []).OfType<JsonObject>()
            .Where(c => c["method"]?.GetValue<string>() == "POST" && c["arguments"] is null)
            .Select(c => (c["operation"]?.GetValue<string>(), c["record"]?.GetValue<string>() ?? "(none)"))
            .ToHashSet();
        return [.. change.Lines
            .Select(l => creates.Contains((l.Operation, l.Record)) ? l with { Before = null } : l)
            .Where(l => l.Before is null || !string.Equals(l.Before, l.After, StringComparison.Ordinal))];
    }

    /// <summary>
    /// One sentence of what will happen, on what: "Create a task (subject “Follow up …”, 4 fields) and a note (…) in
    /// ledger, on record R-1." Each call is named by its operation's resource and verb, with the first value it sets.
    /// </summary>
    public static string Sentence(ProposedChange? change)
    {
        var lines = change?.Lines ?? [];
        var changed = Changed(change);
        if (lines.Count == 0)
        {
            return "The change cannot be shown on this host.";
        }

        if (changed.Count == 0)
        {
            return $"Nothing would change: every field the write sends already has that value ({Where(lines)}).";
        }

        var calls = changed.GroupBy(l => (l.System, l.Operation, l.Record)).ToList();
        var parts = calls.Select((call, i) =>
        {
            var (verb, thing) = Words(call.Key.Operation);
            var first = call.First();
            var count = call.Count();
            var detail = $"{first.Field} “{Quote(first.After)}”{(count > 1 ? $", {count} fields" : string.Empty)}";
            return $"{(i == 0 ? Capital(verb) : verb)} {Article(thing)} {thing} ({detail})";
        }).ToList();
        return $"{Join(parts)} {Where(changed)}.";
    }

    /// <summary>"in ledger, on record R-1" (or several systems and records, each named once).</summary>
    private static string Where(IReadOnlyList<ChangeLine> lines)
    {
        var systems = lines.Select(l => l.System).Distinct(StringComparer.Ordinal).ToList();
        var records = lines.Select(l => l.Record).Where(r => r != "(none)").Distinct(StringComparer.Ordinal).ToList();
        var on = records.Count switch
        {
            0 => string.Empty,
            1 => $", on record {records[0]}",
            _ => $", on records {Join(records)}",
        };
        return $"in {Join(systems)}{on}";
    }

    /// <summary>An operation as words: system.tasks.create reads "create" and "task"; purchaseOrders reads "purchase order".</summary>
    public static (string Verb, string Thing) Words(string operation)
    {
        if (!OperationName.TryParse(operation, out var name))
        {
            return ("run", operation);
        }

        var resource = name.Resource.EndsWith("ies", StringComparison.Ordinal) ? name.Resource[..^3] + "y"
            : name.Resource.EndsWith("sses", StringComparison.Ordinal) ? name.Resource[..^2]
            : name.Resource.EndsWith('s') && !name.Resource.EndsWith("ss", StringComparison.Ordinal) ? name.Resource[..^1]
            : name.Resource;
        return (Spaced(name.Verb), Spaced(resource));
    }

    /// <summary>What the writer may do in plain words: "create tasks and create notes in crm".</summary>
    public static string Operations(IEnumerable<string> operations)
    {
        var list = operations.ToList();
        var systems = list.Select(o => OperationName.TryParse(o, out var n) ? n.System : null).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var doing = list.Select(o => Words(o) is var (verb, thing) ? $"{verb} {Plural(thing)}" : o).ToList();
        return systems.Count == 0 ? Join(doing) : $"{Join(doing)} in {Join(systems)}";
    }

    /// <summary>The first screen's line for a write made as a person: "Name, who started the run: the change is made in their name (delegated through writer)".</summary>
    public static string MadeAs(string person, string identity) => $"{person}, who started the run: the change is made in their name (delegated through {identity})";

    /// <summary>
    /// The writer paragraph of a delegated write: made as the person, through the identity, never wider than what that
    /// person may do in the system nor than the step's declared scope.
    /// </summary>
    public static string Delegated(string person, string identity, IEnumerable<string> systems)
    {
        var names = systems.Distinct(StringComparer.Ordinal).ToList();
        var where = names.Count == 0 ? "the system" : Join(names);
        return $"The change will be made as {person}, the person who started the run: {identity} acts for them (delegated), so {where} sees {person} as the one " +
            $"who makes it. It can do only what {person} may do in {where}, and only what this step declares below; {where} refuses anything {person} may not do.";
    }

    /// <summary>"1 of 2 approvals — waiting for one more"; "1 approval needed — nobody has answered yet".</summary>
    public static string Progress(int approvals, int quorum)
    {
        quorum = Math.Max(1, quorum);
        if (approvals <= 0)
        {
            return $"{quorum} approval{(quorum == 1 ? string.Empty : "s")} needed — nobody has approved yet";
        }

        var missing = quorum - approvals;
        return missing <= 0
            ? $"{approvals} of {quorum} approval{(quorum == 1 ? string.Empty : "s")} — enough to go ahead"
            : $"{approvals} of {quorum} approvals — waiting for {(missing == 1 ? "one more" : $"{missing} more")}";
    }

    /// <summary>"Wed 9 Dec 2026, 11:30 UTC (in 2 days)": the date people read, and how far away it is.</summary>
    public static string Deadline(DateTimeOffset at, DateTimeOffset now)
    {
        var left = at - now;
        // Rounded, from one and a half of a unit up: a two-day gate opened a minute ago reads "in 2 days", never "in 1 days".
        var when = left <= TimeSpan.Zero ? "passed"
            : left >= TimeSpan.FromHours(36) ? $"in {Math.Round(left.TotalDays, MidpointRounding.AwayFromZero)} days"
            : left >= TimeSpan.FromMinutes(90) ? $"in {Math.Round(left.TotalHours, MidpointRounding.AwayFromZero)} hours"
            : left >= TimeSpan.FromSeconds(90) ? $"in {Math.Round(left.TotalMinutes, MidpointRounding.AwayFromZero)} minutes"
            : "in a moment";
        return $"{Date(at)} ({when})";
    }

    /// <summary>A moment as people read it: "Wed 9 Dec 2026, 11:30 UTC".</summary>
    public static string Date(DateTimeOffset at) => at.ToUniversalTime().ToString("ddd d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Join(IReadOnlyList<string> items) => items.Count switch
    {
        0 => string.Empty,
        1 => items[0],
        _ => $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}",
    };

    private static string Quote(string value)
    {
        var flat = string.Join(' ', value.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= MaxQuoted ? flat : flat[..(MaxQuoted - 1)].TrimEnd() + "…";
    }

    private static string Plural(string thing) => thing.EndsWith('y') && !thing.EndsWith("ey", StringComparison.Ordinal) ? thing[..^1] + "ies"
        : thing.EndsWith('s') || thing.EndsWith("sh", StringComparison.Ordinal) || thing.EndsWith("ch", StringComparison.Ordinal) ? thing + "es"
        : thing + "s";

    private static string Article(string thing) => thing.Length > 0 && "aeiou".Contains(char.ToLowerInvariant(thing[0]), StringComparison.Ordinal) ? "an" : "a";

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>camelCase, kebab-case or snake_case as separate lower-case words.</summary>
    private static string Spaced(string name)
    {
        var words = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c is '-' or '_')
            {
                words.Append(' ');
            }
            else if (char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]))
            {
                words.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                words.Append(char.ToLowerInvariant(c));
            }
        }

        return words.ToString();
    }
}

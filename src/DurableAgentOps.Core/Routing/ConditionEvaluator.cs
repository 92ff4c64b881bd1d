using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Routing;

/// <summary>
/// Evaluates the conditions <see cref="Validation.Condition"/> accepts (<c>path op value</c>) against a run's data
/// context: a JSON object whose top-level keys are aliases such as <c>input</c>, <c>account</c> or <c>ticket</c>.
/// </summary>
/// <remarks>
/// Rules, chosen so a reviewer can predict every outcome from the file:
/// a path that does not resolve (missing key, a null, or walking through a non-object) makes the condition false,
/// whatever the operator, including <c>!=</c>; numbers compare numerically; strings compare ordinally (case matters);
/// bare words such as <c>P1</c> are strings; values of different kinds are never equal and have no order.
/// Bad data never throws; only condition text outside the grammar does (the validator refuses it before a run).
/// </remarks>
public static partial class ConditionEvaluator
{
    public static bool Evaluate(string condition, JsonObject data) => TryEvaluate(condition, data, out var result) && result;

    /// <summary>
    /// Evaluates the condition when its path resolves to a value and returns true; returns false (result false) when the
    /// path is missing or null. Callers that must fail closed, such as an approval <c>when</c>, ask for approval then.
    /// </summary>
    public static bool TryEvaluate(string condition, JsonObject data, out bool result)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(data);
        result = false;
        var match = ConditionSyntax().Match(condition);
        if (!match.Success)
        {
            throw new FormatException($"'{condition}' is not a condition (expected: path op value, e.g. order.total >= 50000)");
        }

        // The value is parsed before the data is looked at, so a malformed condition fails whatever the data.
        var op = match.Groups["op"].Value;
        var expected = Values(op, match.Groups["value"].Value, condition);
        if (Resolve(data, match.Groups["path"].Value) is not JsonValue actual)
        {
            return false;
        }

        result = op == "in" ? expected.Any(item => Compare(actual, item) == 0) : Holds(op, Compare(actual, expected[0]));
        return true;
    }

    /// <summary>
    /// The path a condition looks at and the value it found there (null when missing), so a reader can be told what met
    /// the condition ("record.tier is standard"), not only its text.
    /// </summary>
    public static (string Path, JsonNode? Value) Subject(string condition, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(data);
        var match = ConditionSyntax().Match(condition);
        if (!match.Success)
        {
            throw new FormatException($"'{condition}' is not a condition (expected: path op value, e.g. order.total >= 50000)");
        }

        var path = match.Groups["path"].Value;
        return (path, Resolve(data, path));
    }

    /// <summary>
    /// The operator of a condition the grammar accepts and the kind of each literal it compares with (<c>number</c>,
    /// <c>string</c> or <c>boolean</c>, as the evaluator reads it: a bare word is a string), so the validator can hold
    /// them against the type a record schema declares for the path.
    /// </summary>
    public static (string Operator, IReadOnlyList<string> LiteralKinds) Describe(string condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var match = ConditionSyntax().Match(condition);
        if (!match.Success)
        {
            throw new FormatException($"'{condition}' is not a condition (expected: path op value, e.g. order.total >= 50000)");
        }

        var op = match.Groups["op"].Value;
        return (op, [.. Values(op, match.Groups["value"].Value, condition).Select(l => l switch
        {
            NumberLiteral => "number",
            BooleanLiteral => "boolean",
            _ => "string",
        })]);
    }

    private static bool Holds(string op, int? order) => op switch
    {
        "==" => order == 0,
        "!=" => order != 0,
        "<" => order < 0,
        "<=" => order <= 0,
        ">" => order > 0,
        ">=" => order >= 0,
        _ => false,
    };

    /// <summary>The literal(s) to compare with: a list for <c>in</c> (a single value counts as a one-item list).</summary>
    private static List<Literal> Values(string op, string literal, string condition)
    {
        if (!literal.StartsWith('['))
        {
            return [Parse(literal)];
        }

        if (op != "in")
        {
            throw new FormatException($"'{condition}': a list needs the 'in' operator");
        }

        var inner = literal[1..^1];
        var items = ListItemSyntax().Matches(inner);
        if (items.Sum(m => m.Length) != inner.Length)
        {
            throw new FormatException($"'{condition}': list items must be numbers, quoted strings, true/false or bare words, separated by commas");
        }

        return [.. items.Select(m => Parse(m.Groups["item"].Value))];
    }

    /// <summary>The value at a dotted path, or null when any segment is missing or not an object.</summary>
    private static JsonNode? Resolve(JsonObject data, string path)
    {
        JsonNode? node = data;
        foreach (var segment in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(segment, out var child) ? child : null;
        }

        return node;
    }

    /// <summary>Negative, zero or positive as for IComparable; null when the two cannot be compared (different kinds).</summary>
    private static int? Compare(JsonValue actual, Literal expected)
    {
        var kind = actual.GetValueKind();
        return (kind, expected) switch
        {
            (JsonValueKind.Number, NumberLiteral n) => CompareNumbers(actual.ToJsonString(), n.Text),
            (JsonValueKind.String, TextLiteral t) => string.CompareOrdinal(actual.GetValue<string>(), t.Text),
            (JsonValueKind.True, BooleanLiteral b) => b.Value ? 0 : null,
            (JsonValueKind.False, BooleanLiteral b) => b.Value ? null : 0,
            _ => null,
        };
    }

    /// <summary>Decimal keeps money exact; double takes over only for numbers decimal cannot hold.</summary>
    private static int? CompareNumbers(string left, string right)
    {
        const NumberStyles Style = NumberStyles.Float;
        if (decimal.TryParse(left, Style, CultureInfo.InvariantCulture, out var l) && decimal.TryParse(right, Style, CultureInfo.InvariantCulture, out var r))
        {
            return l.CompareTo(r);
        }

        return double.TryParse(left, Style, CultureInfo.InvariantCulture, out var ld) && double.TryParse(right, Style, CultureInfo.InvariantCulture, out var rd)
            ? ld.CompareTo(rd)
            : null;
    }

    private static Literal Parse(string text) => text switch
    {
        "true" => new BooleanLiteral(true),
        "false" => new BooleanLiteral(false),
        ['\'', .., '\''] or ['"', .., '"'] => new TextLiteral(text[1..^1]),
        _ when text[0] == '-' || char.IsAsciiDigit(text[0]) => new NumberLiteral(text),
        _ => new TextLiteral(text),
    };

    private abstract record Literal;

    private sealed record NumberLiteral(string Text) : Literal;

    private sealed record TextLiteral(string Text) : Literal;

    private sealed record BooleanLiteral(bool Value) : Literal;

    // Same grammar as Validation.Condition, with the parts captured.
    [GeneratedRegex(@"^\s*(?<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(?<op>==|!=|<=|>=|<|>|\bin\b)\s*(?<value>-?\d+(?:\.\d+)?|'[^']*'|""[^""]*""|true|false|[A-Za-z_][\w-]*|\[\s*[^\[\]]+\])\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ConditionSyntax();

    [GeneratedRegex(@"\G\s*(?<item>-?\d+(?:\.\d+)?|'[^']*'|""[^""]*""|[A-Za-z_][\w-]*)\s*(?:,|$)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ListItemSyntax();
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Cli.Runs;

/// <summary>
/// Turns <c>--input key=value</c> and <c>--input-json</c> into the run's input object. A command line has only text, so a
/// value becomes a JSON number or boolean only where the workflow's input schema says so; everything else stays a
/// string, and the host's validation (not the CLI) decides whether the input is good.
/// </summary>
internal static partial class RunInputBuilder
{
    /// <param name="pairs">key=value texts, in order.</param>
    /// <param name="json">A JSON object, or null.</param>
    /// <param name="schema">The workflow's input fields when its file is at hand; empty when not.</param>
    /// <param name="problems">Why the arguments cannot form an input; empty on success.</param>
    public static JsonObject Build(IEnumerable<string> pairs, string? json, IReadOnlyList<InputField> schema, out List<string> problems)
    {
        problems = [];
        var input = new JsonObject();
        if (!string.IsNullOrWhiteSpace(json))
        {
            try
            {
                input = JsonNode.Parse(json) as JsonObject ?? FailWith(problems, "--input-json must be a JSON object, e.g. '{\"accountId\":\"ACC-000001\"}'");
            }
            catch (JsonException ex)
            {
                input = FailWith(problems, $"--input-json is not valid JSON: {ex.Message}");
            }
        }

        var fromJson = input.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var fromPairs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add($"--input '{pair}': expected key=value");
                continue;
            }

            var key = pair[..equals];
            if (fromJson.Contains(key) || !fromPairs.Add(key))
            {
                problems.Add($"--input {key}: given more than once");
                continue;
            }

            input[key] = Coerce(pair[(equals + 1)..], schema.FirstOrDefault(f => f.Name == key)?.Type);
        }

        return input;
    }

    /// <summary>The value as the schema's type when it reads as one; otherwise the text, for the host to judge.</summary>
    internal static JsonNode Coerce(string text, string? type) => type switch
    {
        "integer" or "number" when JsonNumber().IsMatch(text) => JsonNode.Parse(text)!,
        "boolean" when text is "true" or "false" => JsonValue.Create(text == "true"),
        _ => JsonValue.Create(text),
    };

    private static JsonObject FailWith(List<string> problems, string problem)
    {
        problems.Add(problem);
        return [];
    }

    // JSON's own number grammar, so the text is sent exactly as typed (no float rounding of 0.1 or long ids).
    [GeneratedRegex(@"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}

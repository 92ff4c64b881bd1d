using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Runs;

/// <summary>
/// One bad input field: <see cref="Field"/> is the input key (empty when the error is about the input as a whole),
/// <see cref="Message"/> says what was expected and what came.
/// </summary>
public sealed record InputError(string Field, string Message);

/// <summary>
/// Checks a run's input against the workflow's <c>input:</c> schema before anything starts, so a bad request is a 400
/// naming every bad field rather than a run that fails at its first step.
/// </summary>
public static class RunInputValidator
{
    /// <summary>The largest input accepted, in bytes of its compact JSON: a run's input is stored in durable state.</summary>
    public const int MaxInputBytes = 16384;

    /// <summary>Values are echoed in messages only this far: inputs can hold personal data and end up in logs.</summary>
    private const int MaxEcho = 40;

    /// <summary>
    /// An input over <see cref="MaxInputBytes"/> is one error about the whole input (empty field). Otherwise one error
    /// per bad field: a required field missing (a JSON null counts as missing), a value of the wrong type, a string
    /// longer than its field's maxLength, a value the field's pattern does not match as a whole (the pattern must
    /// match the entire value, whatever anchors it has), or a field the workflow does not declare. An empty list means
    /// the input is good.
    /// </summary>
    public static IReadOnlyList<InputError> Validate(WorkflowDefinition workflow, JsonObject? input)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var bytes = input is null ? 0 : Encoding.UTF8.GetByteCount(input.ToJsonString());
        if (bytes > MaxInputBytes)
        {
            return [new InputError(string.Empty, $"input is {bytes} bytes; the limit is {MaxInputBytes}")];
        }

        var errors = new List<InputError>();
        foreach (var field in workflow.Input)
        {
            var value = input?[field.Name];
            if (value is null)
            {
                if (field.Required)
                {
                    errors.Add(new InputError(field.Name, $"{field.Name} is required: expected {Expected(field)}, got nothing"));
                }

                continue;
            }

            // Checked before the pattern, so a pattern never runs over an unbounded value.
            if (TooLong(field, value) is { } length)
            {
                errors.Add(new InputError(field.Name, $"{field.Name}: expected at most {field.StringLimit} characters, got {length}"));
            }
            else if (Check(field, value) is { } problem)
            {
                errors.Add(new InputError(field.Name, $"{field.Name}: expected {Expected(field)}, got {problem}"));
            }
        }

        var declared = workflow.Input.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in input ?? [])
        {
            if (!declared.Contains(name))
            {
                var allowed = declared.Count == 0 ? "no input at all" : "one of " + string.Join(", ", workflow.Input.Select(f => f.Name));
                errors.Add(new InputError(Echo(name), $"{Echo(name)} is not an input of {workflow.Name}: expected {allowed}"));
            }
        }

        return errors;
    }

    /// <summary>Null when the value fits the field; otherwise how to describe what came instead.</summary>
    private static string? Check(InputField field, JsonNode value)
    {
        var kind = value.GetValueKind();
        var typeFits = field.Type switch
        {
            "string" => kind == JsonValueKind.String,
            "integer" => kind == JsonValueKind.Number && IsWholeNumber(value),
            "number" => kind == JsonValueKind.Number,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            _ => false,
        };
        if (!typeFits)
        {
            return Describe(value, kind);
        }

        if (field.Pattern is null || kind is JsonValueKind.True or JsonValueKind.False)
        {
            return null;
        }

        var text = kind == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        try
        {
            return InputPattern.IsMatch(text, field.Pattern) ? null : Describe(value, kind);
        }
        catch (RegexMatchTimeoutException)
        {
            return $"{Describe(value, kind)}, which took too long to match";
        }
        catch (ArgumentException)
        {
            // The validator compiles every pattern first; a definition that skipped it still refuses, never accepts.
            return $"{Describe(value, kind)}, but the field's pattern is not a valid regular expression";
        }
    }

    /// <summary>The value's length in characters (Unicode scalar values) when it is a string over the field's limit.</summary>
    private static int? TooLong(InputField field, JsonNode value) =>
        field.StringLimit is { } limit && value.GetValueKind() == JsonValueKind.String &&
        value.GetValue<string>().EnumerateRunes().Count() is var length && length > limit ? length : null;

    private static bool IsWholeNumber(JsonNode value) =>
        decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number == decimal.Truncate(number);

    private static string Expected(InputField field)
    {
        var type = field.Type == "integer" ? "an integer" : "a " + field.Type;
        return field.Pattern is null ? type : $"{type} matching {field.Pattern}";
    }

    private static string Describe(JsonNode value, JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => $"string '{Echo(value.GetValue<string>())}'",
        JsonValueKind.Number => $"number {Echo(value.ToJsonString())}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {value.ToJsonString()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>At most <see cref="MaxEcho"/> characters, control characters made visible, so a message stays one short line.</summary>
    private static string Echo(string text)
    {
        var shown = new string([.. text.Take(MaxEcho).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > MaxEcho ? shown + "…" : shown;
    }
}

using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>One field of the exact change the write will send. <see cref="Before"/> is null when the run has no earlier value.</summary>
public sealed record ChangeLine(string System, string Operation, string Record, string Field, string? Before, string After)
{
    /// <summary>A value as a line shows it: text as it is, JSON null as "(empty)", objects and arrays as JSON.</summary>
    public static string TextOf(JsonNode? value) => value switch
    {
        null => "(empty)",
        JsonValue v => v.ToString(),
        _ => value.ToJsonString(),
    };
}

/// <summary>
/// The exact change a write step will send, computed when its gate opens: each field and value per call, with the
/// value the run read before where it has one, and the SHA-256 of the calls. The write sends exactly these calls or
/// refuses: what was approved is what is written. <see cref="Calls"/> is the digest's own input (the canonical calls),
/// kept with the stored copy so whoever shows the change can check it against the digest; the run's history carries
/// the change without it.
/// </summary>
public sealed record ProposedChange(
    IReadOnlyList<ChangeLine> Lines, IReadOnlyList<string> Records, string Digest,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonArray? Calls = null)
{
    /// <summary>A one-line summary for subjects and lists: "crm.tasks.create, crm.notes.create on ACC-000002".</summary>
    public string Summary => $"{string.Join(", ", Lines.Select(l => l.Operation).Distinct(StringComparer.Ordinal))} on {string.Join(", ", Records)}";

    /// <summary>
    /// Whether this is the change <paramref name="digest"/> names: its canonical calls hash to the digest, every line
    /// shows a value those calls send (same operation, record and field), and every body field they send has its line.
    /// A copy altered in storage, or one stored without its calls, is not.
    /// </summary>
    public bool IsTheChangeOf(string digest)
    {
        if (Calls is not { } calls || Digest != digest || CanonicalJson.Sha256(calls) != digest)
        {
            return false;
        }

        var sent = calls.OfType<JsonObject>().ToList();
        bool Shown(ChangeLine line) => sent.Any(call =>
            call["operation"]?.GetValue<string>() == line.Operation
            && (call["record"]?.GetValue<string>() ?? "(none)") == line.Record
            && Sent(call, line.Field) is (true, var value)
            && ChangeLine.TextOf(value) == line.After);
        bool Listed(JsonObject call) => (call["body"] as JsonObject ?? new JsonObject()).All(field => Lines.Any(line =>
            line.Operation == call["operation"]?.GetValue<string>() && line.Field == field.Key));
        return Lines.All(Shown) && sent.All(Listed);
    }

    /// <summary>The value a canonical call sends for a field: in its body, else among an MCP tool's arguments.</summary>
    private static (bool Found, JsonNode? Value) Sent(JsonObject call, string field) =>
        call["body"] is JsonObject body && body.TryGetPropertyValue(field, out var inBody) ? (true, inBody)
        : call["arguments"] is JsonObject arguments && arguments.TryGetPropertyValue(field, out var argument) ? (true, argument)
        : (false, null);
}

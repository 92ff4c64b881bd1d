using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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
/// refuses: what was approved is what is written. The stored copy the page and the notices show also keeps
/// <see cref="Calls"/> (the digest's own input, the canonical calls) and <see cref="Seal"/> (an HMAC over the whole copy
/// with a key derived from the link-signing key), so whoever shows it can check that it is the change the digest names
/// and that storage did not rewrite any column; the run's history carries the change without either.
/// </summary>
public sealed record ProposedChange(
    IReadOnlyList<ChangeLine> Lines, IReadOnlyList<string> Records, string Digest,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonArray? Calls = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Seal = null)
{
    private static readonly JsonSerializerOptions SealJson = new(JsonSerializerDefaults.Web);

    /// <summary>This change with its seal: an HMAC-SHA256 over its canonical JSON (the seal left out).</summary>
    public ProposedChange SealedWith(byte[] linkSigningKey) => this with { Seal = MacOf(linkSigningKey) };

    /// <summary>Whether the seal is this host's over exactly this content (compared in constant time).</summary>
    public bool IsSealedBy(byte[] linkSigningKey) =>
        Seal is { } seal && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(MacOf(linkSigningKey)), Encoding.ASCII.GetBytes(seal));

    private string MacOf(byte[] linkSigningKey)
    {
        ArgumentNullException.ThrowIfNull(linkSigningKey);
        // Its own key, derived, so a seal can never stand in for a link signature or the other way round.
        var key = HMACSHA256.HashData(linkSigningKey, "durableagentops/proposed-change-seal/v1"u8);
        var content = CanonicalJson.Serialize(JsonSerializer.SerializeToNode(this with { Seal = null }, SealJson));
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(content)));
    }

    /// <summary>A one-line summary for subjects and lists: "system.tasks.create, system.notes.create on REC-1".</summary>
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

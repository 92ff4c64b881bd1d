using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// What a run's <c>admin</c> records (an administrator's terminate, suspend, resume or purge of the engine history) and a
/// run-end the host wrote for a terminated run say, in a reader's words. A verifier reports them as notes: the evidence
/// is intact, and a reader should know an administrator stepped in. Pure and tolerant: a missing field reads as such.
/// </summary>
public static class AdministratorActions
{
    /// <summary>One note per administrator's action, and one for a run an administrator ended.</summary>
    public static IReadOnlyList<string> Notes(IEnumerable<StoredRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var notes = new List<string>();
        foreach (var record in records.Select(r => r.Record).OfType<EvidenceRecord>().OrderBy(r => r.Seq))
        {
            if (record.Kind == "admin")
            {
                notes.Add($"administrator action at seq {record.Seq}: {Describe(record.Data)}");
            }
            else if (record.Kind == "run-end" && EndedBy(record.Data) is { } endedBy)
            {
                notes.Add($"run ended by an administrator: {endedBy}");
            }
        }

        return notes;
    }

    /// <summary>"terminate by Olga Ops &lt;olga@…&gt; (tid/oid) at …, via instance-api: reason", as far as the data holds it.</summary>
    public static string Describe(JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var action = Text(data, "action") ?? "(action not recorded)";
        var verb = action switch
        {
            "terminate" => "terminated the run",
            "suspend" => "suspended the run",
            "resume" => "resumed the run",
            "purge" => "purged the run's engine history (its evidence stays)",
            _ => action,
        };
        return $"{Who(data["principal"] as JsonObject)} {verb} at {Text(data, "requestedAt") ?? "(time not recorded)"} via {Text(data, "via") ?? "(not recorded)"}"
            + (Text(data, "reason") is { Length: > 0 } reason ? $"; reason: {reason}" : "; no reason given");
    }

    /// <summary>For a run-end the host wrote after the engine terminated the run: by whom and why; null for any other run-end.</summary>
    public static string? EndedBy(JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Text(data, "outcome") != "terminated")
        {
            return null;
        }

        var reason = Text(data, "reason") is { Length: > 0 } text ? $"; reason: {text}" : string.Empty;
        return data["terminatedBy"] is JsonObject by ? $"terminated by {Who(by)}{reason}" : $"terminated, no administrator recorded{reason}";
    }

    private static string Who(JsonObject? principal)
    {
        var name = Text(principal, "name");
        var upn = Text(principal, "upn");
        var id = Text(principal, "id") ?? "(no principal recorded)";
        var display = name is null ? id : upn is null || upn == name ? name : $"{name} <{upn}>";
        return display == id ? id : $"{display} ({id})";
    }

    private static string? Text(JsonObject? data, string key) =>
        data?[key] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}

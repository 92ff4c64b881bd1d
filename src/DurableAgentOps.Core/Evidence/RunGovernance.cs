using System.Text.Json.Nodes;
using DurableAgentOps.Core.Governance;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// What a run's run-start record says its host had switched off (<c>governanceOff</c>). A verifier reports it as a note:
/// the evidence can be intact and still be the evidence of a run that was not fully governed.
/// </summary>
public static class RunGovernance
{
    /// <summary>The switches the run-start record (seq 0) names; empty for a fully governed run or one without that record.</summary>
    public static IReadOnlyList<string> Off(IEnumerable<StoredRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var start = records.Select(r => r.Record).FirstOrDefault(r => r is { Seq: 0, Kind: "run-start" });
        return start?.Data["governanceOff"] is JsonArray names
            ? [.. names.OfType<JsonValue>().Where(v => v.GetValueKind() == System.Text.Json.JsonValueKind.String).Select(v => v.GetValue<string>())]
            : [];
    }

    /// <summary>One note per switch that was off, in a reader's words.</summary>
    public static IReadOnlyList<string> Notes(IEnumerable<StoredRecord> records) =>
        [.. Off(records).Select(name => $"governance off when the run started: {GovernanceSwitches.Describe(name)}")];
}

namespace DurableAgentOps.Runtime.Shared;

/// <summary>One field of the exact change the write will send. <see cref="Before"/> is null when the run has no earlier value.</summary>
public sealed record ChangeLine(string System, string Operation, string Record, string Field, string? Before, string After);

/// <summary>
/// The exact change a write step will send, computed when its gate opens: each field and value per call, with the
/// value the run read before where it has one, and the SHA-256 of the calls. The write sends exactly these calls or
/// refuses: what was approved is what is written.
/// </summary>
public sealed record ProposedChange(IReadOnlyList<ChangeLine> Lines, IReadOnlyList<string> Records, string Digest)
{
    /// <summary>A one-line summary for subjects and lists: "crm.tasks.create, crm.notes.create on ACC-000002".</summary>
    public string Summary => $"{string.Join(", ", Lines.Select(l => l.Operation).Distinct(StringComparer.Ordinal))} on {string.Join(", ", Records)}";
}

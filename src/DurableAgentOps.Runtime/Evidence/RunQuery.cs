using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// What investigators look runs up by. Every filter given must hold; people match by principal id or, ignoring case,
/// by name or address; <see cref="Wrote"/> is <c>identity:record</c> (e.g. <c>crm-writer:ACC-000002</c>) or a record
/// alone (written by any identity); <see cref="GovernanceOff"/> is a switch its host had off (<c>scope-guard</c>,
/// <c>evidence</c>) or <c>any</c>. A search reads the ledger's time index newest first, a page at a time: at most
/// <see cref="MaxTop"/> runs and <see cref="MaxScanned"/> index rows per page, so a page takes the same time however
/// many runs the ledger holds (since/until narrow the rows read; the other filters are applied to the rows read).
/// </summary>
public sealed record RunQuery(
    string? Workflow = null,
    string? Status = null,
    string? Initiator = null,
    string? Approver = null,
    string? Identity = null,
    string? Record = null,
    string? Wrote = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Top = 50,
    string? GovernanceOff = null)
{
    public const string AnySwitch = "any";

    public const int MaxTop = 500;

    /// <summary>Most index rows one search page reads; a page that stops here says where the next one starts.</summary>
    public const int MaxScanned = 2000;

    public bool Matches(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return (Workflow is null || run.Workflow == Workflow)
            && (Status is null || string.Equals(run.Status, Status, StringComparison.OrdinalIgnoreCase))
            && (Initiator is null || Is(run.Initiator, Initiator))
            && (Approver is null || run.Approvers.Any(a => Is(a, Approver)))
            && (Identity is null || run.Identities.Contains(Identity, StringComparer.Ordinal))
            && (Record is null || run.Records.Contains(Record, StringComparer.Ordinal))
            && (Wrote is null || run.Writes.Any(w => w == Wrote || (!Wrote.Contains(':', StringComparison.Ordinal) && w.EndsWith(':' + Wrote, StringComparison.Ordinal))))
            && (Since is null || run.StartedAt >= Since)
            && (Until is null || run.StartedAt < Until)
            && (GovernanceOff is null || WasOff(run.GovernanceOff ?? []));
    }

    private bool WasOff(IReadOnlyList<string> off) => GovernanceOff == AnySwitch ? off.Count > 0 : off.Contains(GovernanceOff, StringComparer.Ordinal);

    private static bool Is(PrincipalRef who, string text) =>
        string.Equals(who.Id, text, StringComparison.OrdinalIgnoreCase)
        || string.Equals(who.Name, text, StringComparison.OrdinalIgnoreCase)
        || string.Equals(who.Upn, text, StringComparison.OrdinalIgnoreCase);
}

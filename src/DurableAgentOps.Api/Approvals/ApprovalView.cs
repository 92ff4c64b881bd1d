using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Api.Approvals;

/// <summary>
/// Why a link's page offers no decision. <see cref="Closed"/>: the review itself is over (the link was used, or the
/// gate no longer waits for this change); a signed-in approver of the gate is then told who decided.
/// </summary>
internal sealed record ApprovalRefusal(int Status, string Title, string Detail, bool Closed = false);

/// <summary>What one approval link's page knows: the verified link, the run, its definition and the sealed change.</summary>
internal sealed class ApprovalView(
    ApprovalLinkClaims? claims, RunStatus? status, IssuedLink? issued, WorkflowSnapshot? snapshot, ProposedChange? change, RunService? runs, string environment)
{
    public ApprovalRefusal? Refusal { get; set; }

    public ApprovalLinkClaims? Claims => claims;

    public RunStatus? Status => status;

    /// <summary>The link's row as read for this request; consuming it is conditional on that version.</summary>
    public IssuedLink? Issued => issued;

    public WorkflowSnapshot? Snapshot => snapshot;

    /// <summary>The change as sealed by this host, or null when it cannot be shown.</summary>
    public ProposedChange? Change => change;

    public string Environment => environment;

    public static ApprovalView Refuse(int code, string title, string detail) =>
        new(null, null, null, null, null, null, "local") { Refusal = new(code, title, detail) };

    /// <summary>The step the link's gate guards and the identity it writes as, from the pinned definition; null when either is not known.</summary>
    public (StepDefinition Step, IdentityDefinition Identity)? Writer =>
        snapshot?.Definition.FindStep(status?.WaitingFor?.StepId ?? claims?.StepId ?? string.Empty) is { } step
        && snapshot.Identities.FirstOrDefault(i => i.Name == step.Identity) is { } identity
            ? (step, identity)
            : null;

    /// <summary>
    /// The person the write will be made as, when its identity acts for the run's initiator (delegated: the on-behalf-of
    /// flow, so the system sees that person); null for a write under a service identity's own authority.
    /// </summary>
    public PrincipalRef? MadeAs => Writer is { Identity.ActsFor: Delegation.Initiator } && status is not null ? status.Initiator : null;

    /// <summary>The answers to this link's gate that counted (not ignored repeats or events), in order.</summary>
    public IReadOnlyList<ApprovalRecord> Answers =>
        [.. status?.Approvals.Where(a => a.Gate == claims?.Gate && a.Approver is not null && a.Approved is not null && a.Counted == "counted") ?? []];

    /// <summary>Why this signed-in person cannot decide with this link, or null when they can.</summary>
    public async Task<string?> EligibilityAsync(Caller caller, CancellationToken cancellationToken)
    {
        // A personal link names the approver's directory object id (the tenant is the one this host trusts).
        if (claims!.ApproverId is { } approver && !string.Equals(approver, caller.ObjectId, StringComparison.OrdinalIgnoreCase))
        {
            return $"This link was sent to another approver; you are signed in as {caller.Name}. Use your own link.";
        }

        if (status!.WaitingFor is { SeparationOfDuties: true } && caller.Id == status.Initiator.Id)
        {
            return $"{caller.Name}, you started this run: this review separates duties, so someone else must decide.";
        }

        try
        {
            return await runs!.MatchApproverAsync(status, claims.Gate, caller, cancellationToken) is null
                ? $"{caller.Name} is not one of the approvers of this review."
                : null;
        }
        catch (RunRequestException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Whether this signed-in person may read who decided a closed review: the link's own approver, or an approver of
    /// the gate. Anyone else (and any failure to tell) sees only that it is closed.
    /// </summary>
    public async Task<bool> MaySeeDecisionsAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (claims is null || status is null)
        {
            return false;
        }

        if (claims.ApproverId is { } approver)
        {
            return string.Equals(approver, caller.ObjectId, StringComparison.OrdinalIgnoreCase);
        }

        try
        {
            return await runs!.MatchApproverAsync(status, claims.Gate, caller, cancellationToken) is not null;
        }
        catch (RunRequestException)
        {
            return false;
        }
    }
}

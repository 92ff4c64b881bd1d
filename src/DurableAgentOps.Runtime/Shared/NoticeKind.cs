namespace DurableAgentOps.Runtime.Shared;

/// <summary>Why a notice is sent.</summary>
public enum NoticeKind
{
    /// <summary>A gate opened: please decide.</summary>
    Request,

    /// <summary>A reminder offset passed and this approver has not answered.</summary>
    Reminder,

    /// <summary>The gate escalated: these approvers are now asked.</summary>
    Escalation,

    /// <summary>The gate closed (approved, rejected, timed out, cancelled): sent to the initiator and on the channel.</summary>
    Outcome,
}

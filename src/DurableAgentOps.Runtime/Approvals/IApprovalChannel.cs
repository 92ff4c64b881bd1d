using DurableAgentOps.Runtime.Notifications;

namespace DurableAgentOps.Runtime.Approvals;

/// <summary>A way approvers are told (email, teams); a gate's <c>channels</c> pick which are used.</summary>
public interface IApprovalChannel
{
    /// <summary>The name a gate's <c>channels</c> uses: <c>email</c> or <c>teams</c>.</summary>
    string Name { get; }

    /// <summary>False when the host has no settings for it; a gate asking for it then reports "not configured".</summary>
    bool IsConfigured { get; }

    /// <summary>Sends the notice: one message per recipient (each with their own link), or one card with the channel link.</summary>
    Task<NoticeResult> SendAsync(ApprovalNotice notice, IReadOnlyList<NoticeRecipient> recipients, Uri? channelLink, CancellationToken cancellationToken);
}

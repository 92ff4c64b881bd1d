using DurableAgentOps.Runtime.Notifications;

namespace DurableAgentOps.Runtime.Approvals;

/// <summary>Email as a gate channel: one mail per person, each with their own link.</summary>
internal sealed class EmailChannel(EmailNotifier email) : IApprovalChannel
{
    public string Name => EmailNotifier.Channel;

    public bool IsConfigured => email.IsConfigured;

    public Task<NoticeResult> SendAsync(ApprovalNotice notice, IReadOnlyList<NoticeRecipient> recipients, Uri? channelLink, CancellationToken cancellationToken) =>
        email.SendAsync(notice, recipients, cancellationToken);
}

/// <summary>Teams as a gate channel: one card in the channel, with the channel link (any approver, after sign-in).</summary>
internal sealed class TeamsChannel(TeamsNotifier teams) : IApprovalChannel
{
    public string Name => TeamsNotifier.Channel;

    public bool IsConfigured => teams.IsConfigured;

    public Task<NoticeResult> SendAsync(ApprovalNotice notice, IReadOnlyList<NoticeRecipient> recipients, Uri? channelLink, CancellationToken cancellationToken) =>
        channelLink is null
            ? Task.FromResult(new NoticeResult(Name, 0, ["no page link to put on the card"]))
            : teams.SendAsync(notice, channelLink, cancellationToken);
}

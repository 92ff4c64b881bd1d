namespace DurableAgentOps.Runtime.Notifications;

/// <summary>How a gate closed, as an outcome notice says it (and colours it: approved good, rejected attention, else warning).</summary>
internal enum NoticeVerdict
{
    Decided,
    Approved,
    Rejected,
    TimedOut,
    Cancelled,
}

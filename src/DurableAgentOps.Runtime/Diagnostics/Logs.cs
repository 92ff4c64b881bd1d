using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Runtime.Diagnostics;

/// <summary>
/// Log messages of the Runtime assembly, so event ids stay unique: 200-219 approval email, 220-239 approval Teams
/// cards, 240-249 the investigators' timeline page and reports, 250-259 the evidence ledger, 260-269 replay. (Older messages of the engine, step
/// activities and connectors keep their own classes and ids below 200 until they move here.) Passwords, webhook URLs,
/// approval links and mail addresses are never arguments.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(200, LogLevel.Information, "Approval email ({Kind}) for run {RunId} gate {Gate} sent to principal {PrincipalId}")]
    public static partial void EmailSent(this ILogger logger, NoticeKind kind, string runId, string gate, string principalId);

    [LoggerMessage(201, LogLevel.Warning, "Approval email for run {RunId} to principal {PrincipalId}: attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void EmailRetrying(this ILogger logger, string runId, string principalId, int attempt, string reason, long delayMs);

    [LoggerMessage(202, LogLevel.Error, "Approval email for run {RunId} to principal {PrincipalId} not sent: {Reason}")]
    public static partial void EmailFailed(this ILogger logger, string runId, string principalId, string reason);

    [LoggerMessage(203, LogLevel.Warning, "Approval {Channel} notice for run {RunId} not sent: the channel is not configured ({Setting} is not set)")]
    public static partial void ChannelNotConfigured(this ILogger logger, string channel, string runId, string setting);

    [LoggerMessage(220, LogLevel.Information, "Approval card ({Kind}) for run {RunId} gate {Gate} posted to Teams ({Bytes} bytes{Cut})")]
    public static partial void TeamsPosted(this ILogger logger, NoticeKind kind, string runId, string gate, int bytes, string cut);

    [LoggerMessage(221, LogLevel.Warning, "Approval card for run {RunId}: Teams post attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void TeamsRetrying(this ILogger logger, string runId, int attempt, string reason, long delayMs);

    [LoggerMessage(222, LogLevel.Error, "Approval card for run {RunId} not posted to Teams: {Reason}")]
    public static partial void TeamsFailed(this ILogger logger, string runId, string reason);

    [LoggerMessage(250, LogLevel.Warning, "Evidence of run {RunId}: records from seq {Seq} on ({Count}) were appended by an orchestration episode that was never committed; superseded by the committed one and kept in the superseded table")]
    public static partial void EvidenceSuperseded(this Microsoft.Extensions.Logging.ILogger logger, string runId, long seq, int count);

    [LoggerMessage(251, LogLevel.Information, "Evidence of run {RunId}: an append for seq {Seq} from an episode older than the stored record was not applied (the episode was never committed)")]
    public static partial void EvidenceStaleAppend(this Microsoft.Extensions.Logging.ILogger logger, string runId, long seq);
}

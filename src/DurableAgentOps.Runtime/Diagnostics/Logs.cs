using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Runtime.Diagnostics;

/// <summary>
/// Every log message of the Runtime assembly, in one class so event ids stay unique (a test checks): 1-9 the engine,
/// 10-19 step activities, 20-29 calls to systems, 30-39 the directory, 200-219 approval email, 220-239 approval Teams cards, 250-259 the
/// evidence ledger, 270-279 the writer and the hand-over to it. Passwords, tokens, webhook URLs, approval links and mail addresses are never arguments.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(1, LogLevel.Information, "Durable engine started: hub {HubName}, worker {WorkerId}, storage {Endpoint}, {PartitionCount} partitions")]
    public static partial void EngineStarted(this ILogger logger, string hubName, string workerId, string endpoint, int partitionCount);

    [LoggerMessage(2, LogLevel.Information, "Durable engine stopping: hub {HubName}, worker {WorkerId}; in-flight work finishes or stays queued for another host")]
    public static partial void EngineStopping(this ILogger logger, string hubName, string workerId);

    [LoggerMessage(3, LogLevel.Information, "Durable engine stopped: hub {HubName}, worker {WorkerId}")]
    public static partial void EngineStopped(this ILogger logger, string hubName, string workerId);

    [LoggerMessage(10, LogLevel.Information, "Run {RunId} step {StepId} done as {Identity}; records {Records}")]
    public static partial void StepDone(this ILogger logger, string runId, string stepId, string identity, string records);

    [LoggerMessage(12, LogLevel.Warning, "Run {RunId} refused before any step: {Reason}")]
    public static partial void StartNotIssued(this ILogger logger, string runId, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Scope guard is OFF: step {StepId} sends {Operation} unchecked (AgentOps:ScopeGuardEnabled=false)")]
    public static partial void ScopeGuardOff(this ILogger logger, string stepId, string operation);

    [LoggerMessage(20, LogLevel.Warning, "Transient fault from {System} on {Operation} {Path} (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
    public static partial void SystemCallRetrying(this ILogger logger, string system, string operation, string path, int attempt, string reason, long delayMs);

    [LoggerMessage(21, LogLevel.Warning, "Calls to {System} paused for {BreakSeconds} s after repeated failures (circuit open; last: {Reason})")]
    public static partial void SystemCircuitOpened(this ILogger logger, string system, long breakSeconds, string reason);

    [LoggerMessage(22, LogLevel.Information, "Calls to {System}: one trial call goes through (circuit half-open)")]
    public static partial void SystemCircuitHalfOpened(this ILogger logger, string system);

    [LoggerMessage(23, LogLevel.Information, "Calls to {System} resumed (circuit closed)")]
    public static partial void SystemCircuitClosed(this ILogger logger, string system);

    [LoggerMessage(30, LogLevel.Warning, "Directory request failed (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
    public static partial void DirectoryRetrying(this ILogger logger, int attempt, string reason, long delayMs);

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
    public static partial void EvidenceSuperseded(this ILogger logger, string runId, long seq, int count);

    [LoggerMessage(251, LogLevel.Information, "Evidence of run {RunId}: an append for seq {Seq} from an episode older than the stored record was not applied (the episode was never committed)")]
    public static partial void EvidenceStaleAppend(this ILogger logger, string runId, long seq);

    [LoggerMessage(255, LogLevel.Error, "Evidence log refused: {Reason}. No run can append evidence (each fails closed) until the log is restored to extend its anchored tree head")]
    public static partial void EvidenceLogRefused(this ILogger logger, string reason);

    [LoggerMessage(256, LogLevel.Warning, "Run {RunId}: administrators' actions not yet in its evidence ({Reason}); they stay recorded and go in on the run's next read")]
    public static partial void AdministrativeRecordsDeferred(this ILogger logger, string runId, string reason);

    [LoggerMessage(252, LogLevel.Warning, "Evidence of run {RunId}: append attempt {Attempt} failed ({Reason}); trying again in {DelayMs} ms")]
    public static partial void EvidenceAppendRetrying(this ILogger logger, string runId, int attempt, string reason, long delayMs);

    [LoggerMessage(253, LogLevel.Information, "Evidence: {Added} run(s) written before the runs' time index existed were filed in it")]
    public static partial void TimeIndexBackfilled(this ILogger logger, int added);

    [LoggerMessage(254, LogLevel.Warning, "Evidence: filing older runs in the time index failed ({Reason}); the next start tries again")]
    public static partial void TimeIndexBackfillFailed(this ILogger logger, string reason);

    [LoggerMessage(270, LogLevel.Information, "Writer: intent for step {StepId} of run {RunId} accepted; writing change {Digest}… as {Identity}")]
    public static partial void WriteIntentAccepted(this ILogger logger, string runId, string stepId, string identity, string digest);

    [LoggerMessage(271, LogLevel.Warning, "Writer: intent for step {StepId} of run {RunId} refused ({Refusal}): {Reason}; nothing written")]
    public static partial void WriteIntentRefused(this ILogger logger, string runId, string stepId, string refusal, string reason);

    [LoggerMessage(273, LogLevel.Warning, "Writer: step {StepId} of run {RunId} was already written whole; a later intent for the same change is answered with that write, and nothing is sent")]
    public static partial void WriteAlreadyMade(this ILogger logger, string runId, string stepId);

    [LoggerMessage(272, LogLevel.Information, "Step {StepId} of run {RunId}: the write is handed to the writer at {Writer}")]
    public static partial void WriteHandedToWriter(this ILogger logger, string runId, string stepId, string writer);

    [LoggerMessage(280, LogLevel.Information, "Run {RunId}: app {ClientId} acts for {SubjectId} (on-behalf-of session opened, kept encrypted until the run ends)")]
    public static partial void DelegationBegun(this ILogger logger, string runId, string clientId, string subjectId);

    [LoggerMessage(281, LogLevel.Warning, "Run {RunId}: the sign-in authority refused app {ClientId} a token acting for the run's initiator ({ErrorCode}); the step fails closed")]
    public static partial void DelegationRefused(this ILogger logger, string runId, string clientId, string errorCode);

    [LoggerMessage(282, LogLevel.Information, "Run {RunId}: {Count} on-behalf-of session(s) ended with the run")]
    public static partial void DelegationEnded(this ILogger logger, string runId, int count);

    [LoggerMessage(283, LogLevel.Warning, "Run {RunId}: its on-behalf-of sessions could not be deleted now ({Error}); their rows stay encrypted and are deleted at the next end, terminate or purge")]
    public static partial void DelegationEndDeferred(this ILogger logger, string runId, string error);
}

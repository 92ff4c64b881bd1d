using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api.Diagnostics;

/// <summary>
/// Log messages of the Api assembly, so event ids stay unique: 1000-1099 evidence pages, reports and refusals, 1100-1199 replay, 1200-1299 the request pipeline (overload, sign-in refusals, storage outages), 1300-1399 system checks, 1410-1419 the run page.
/// Tokens, links, keys and mail addresses are never arguments.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(1100, LogLevel.Information, "Replay of run {RunId} from its {Source} ({Definition} definition) by principal {PrincipalId}: {Verdict}")]
    public static partial void Replayed(this ILogger logger, string runId, string source, string definition, string principalId, string verdict);

    [LoggerMessage(1000, LogLevel.Information, "Run {RunId}: {What} shown to principal {PrincipalId}")]
    public static partial void EvidenceShown(this ILogger logger, string runId, string what, string principalId);

    [LoggerMessage(1200, LogLevel.Warning, "Rate limit {Policy} refused a request: too many from one {PartitionKind} ({PrincipalId})")]
    public static partial void RateLimited(this ILogger logger, string policy, string partitionKind, string principalId);

    [LoggerMessage(1201, LogLevel.Warning, "Sign-in callback refused ({Status}): {Reason}")]
    public static partial void SignInCallbackRefused(this ILogger logger, int status, string reason);

    [LoggerMessage(1001, LogLevel.Warning, "Endpoint {Endpoint} refused to principal {PrincipalId} ({Route}): {Why}")]
    public static partial void AccessRefused(this ILogger logger, string endpoint, string principalId, string route, string why);

    [LoggerMessage(1300, LogLevel.Information, "Systems check of {System} by principal {PrincipalId}: {Reads} read(s) called, proven: {Proven}")]
    public static partial void SystemsChecked(this ILogger logger, string system, int reads, bool proven, string principalId);

    [LoggerMessage(1202, LogLevel.Warning, "Storage unavailable answering {Method} {Route}: 503 ({What})")]
    public static partial void StorageUnavailable(this ILogger logger, string method, string route, string what);

    [LoggerMessage(1410, LogLevel.Information, "Run page of run {RunId} refused to principal {PrincipalId}: not its initiator, an approver of its gates, nor a reader (or no such run)")]
    public static partial void RunPageRefused(this ILogger logger, string runId, string principalId);
}

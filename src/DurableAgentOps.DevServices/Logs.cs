namespace DurableAgentOps.DevServices;

/// <summary>
/// Every log message of the dev services, so event ids stay unique: 1-99 start-up, 100-199 workload identity
/// endpoint, 200-299 sample systems, 300-399 dev sign-in, 400-499 Graph-shaped directory. Tokens, codes, verifiers,
/// keys and the identity header are never arguments here.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(1, LogLevel.Information, "Dev identity endpoint: issuer {Issuer}, catalogue {Catalogue} ({Count} identities with a local client id)")]
    public static partial void IdentityEndpointReady(this ILogger logger, string issuer, string catalogue, int count);

    [LoggerMessage(2, LogLevel.Information, "Sample systems seeded: tables {TablePrefix}crm*/support*/finance* at {Endpoint}")]
    public static partial void SampleSystemsSeeded(this ILogger logger, Uri endpoint, string tablePrefix);

    [LoggerMessage(3, LogLevel.Warning, "The identity header is random and written nowhere: no client can get a token. Set DevServices:IdentityHeader or DevServices:IdentityHeaderFile")]
    public static partial void NoWayToLearnIdentityHeader(this ILogger logger);

    [LoggerMessage(100, LogLevel.Information, "Token issued: subject {ClientId} ({Identity}), resource {Resource}")]
    public static partial void WorkloadTokenIssued(this ILogger logger, string clientId, string identity, string resource);

    [LoggerMessage(101, LogLevel.Warning, "Token refused ({Status}): client id {ClientId}: {Reason}")]
    public static partial void WorkloadTokenRefused(this ILogger logger, int status, string clientId, string reason);

    [LoggerMessage(200, LogLevel.Information, "{System} {Method} {Path} -> {Status} (subject {Subject}) {Reason}")]
    public static partial void SystemRequest(this ILogger logger, string system, string method, string path, int status, string subject, string reason);
}

namespace DurableAgentOps.DevServices.Shared;

/// <summary>
/// Every log message of the dev services, so event ids stay unique: 1-99 start-up, 100-199 workload identity
/// endpoint, 200-299 sample systems, 300-399 dev sign-in, 400-499 Graph-shaped directory, 500-529 delegation (on-behalf-of, refresh, revocation, dev clock, HTTPS). Tokens, codes, verifiers,
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

    [LoggerMessage(4, LogLevel.Information, "Dev sign-in: issuer {Issuer}, directory {Directory} ({People} people, {Clients} clients); Graph-shaped directory for {Readers}")]
    public static partial void SignInReady(this ILogger logger, string issuer, string directory, int people, int clients, string readers);

    [LoggerMessage(300, LogLevel.Information, "Sign-in: {Person} ({PersonId}) picked for client {ClientId}, redirect {RedirectUri}")]
    public static partial void PersonPicked(this ILogger logger, string person, string personId, string clientId, string redirectUri);

    [LoggerMessage(301, LogLevel.Warning, "Authorization request refused: client {ClientId}: {Error}: {Description}")]
    public static partial void AuthorizeRefused(this ILogger logger, string clientId, string error, string description);

    [LoggerMessage(302, LogLevel.Information, "Token issued to {Person} ({PersonId}) for client {ClientId}, audience {Audience}")]
    public static partial void PersonTokenIssued(this ILogger logger, string person, string personId, string clientId, string audience);

    [LoggerMessage(303, LogLevel.Warning, "Token request refused: client {ClientId}: {Error}: {Description}")]
    public static partial void TokenRequestRefused(this ILogger logger, string clientId, string error, string description);

    [LoggerMessage(304, LogLevel.Information, "Dev token minted (POST /_dev/signin/tokens) for {Person} ({PersonId}), audience {Audience}")]
    public static partial void DevPersonTokenMinted(this ILogger logger, string person, string personId, string audience);

    [LoggerMessage(400, LogLevel.Information, "Graph {Method} {Path} -> {Status} (subject {Subject}) {Reason}")]
    public static partial void GraphRequest(this ILogger logger, string method, string path, int status, string subject, string reason);

    [LoggerMessage(500, LogLevel.Information, "Delegated token issued ({Grant}) for {Person} ({PersonId}) to app {ClientId}, resource {Resource}, permissions {Permissions}")]
    public static partial void DelegatedTokenIssued(this ILogger logger, string grant, string person, string personId, string clientId, string resource, string permissions);

    [LoggerMessage(501, LogLevel.Warning, "Delegated grant refused ({Grant}): client {ClientId}: {Error}: {Description}")]
    public static partial void DelegatedGrantRefused(this ILogger logger, string grant, string clientId, string error, string description);

    [LoggerMessage(502, LogLevel.Information, "Sign-in sessions of {Person} ({PersonId}) revoked at {At} via {Route}: earlier refresh tokens and assertions are refused")]
    public static partial void SessionsRevoked(this ILogger logger, string person, string personId, DateTimeOffset at, string route);

    [LoggerMessage(503, LogLevel.Information, "Dev clock moved forward by {By}: now {Now}, offset {Offset}")]
    public static partial void ClockAdvanced(this ILogger logger, TimeSpan by, DateTimeOffset now, TimeSpan offset);

    [LoggerMessage(504, LogLevel.Information, "Token issued: managed identity {ClientId}, resource {Resource} (federated credential of delegating app {App})")]
    public static partial void ExchangeTokenIssued(this ILogger logger, string clientId, string resource, string app);

    [LoggerMessage(505, LogLevel.Information, "HTTPS listener on https://localhost:{Port}; trust it with SSL_CERT_FILE={Bundle}")]
    public static partial void TlsListenerReady(this ILogger logger, int port, string bundle);
}

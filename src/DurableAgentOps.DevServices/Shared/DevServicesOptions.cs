namespace DurableAgentOps.DevServices.Shared;

/// <summary>
/// Settings of the dev services (section <c>DevServices</c>; storage from <c>AzureWebJobsStorage</c>). Everything
/// here is for local use and tests only: the identity endpoint signs tokens for any catalogue identity, and the
/// dev sign-in provider signs anyone in as any person of the dev directory.
/// </summary>
public sealed class DevServicesOptions
{
    public const string Section = "DevServices";

    /// <summary>The host's own dev identity: the one client id that may read the directory unless configured.</summary>
    public const string DefaultDirectoryReaderClientId = "6f1c0a10-0000-4000-8000-0000000000a0";

    /// <summary>Base URL the process is reached at; with a trailing slash it is the tokens' issuer.</summary>
    public Uri PublicUrl { get; set; } = new("http://127.0.0.1:7080");

    /// <summary>identities.yaml; when empty, workflows/identities.yaml is looked for above the working directory.</summary>
    public string? Catalogue { get; set; }

    /// <summary>The dev directory of people and sign-in clients; when empty, directory.yaml next to the app.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Client ids the identity endpoint issues Microsoft Graph tokens to, and the only ones the Graph-shaped routes
    /// answer; <see cref="DefaultDirectoryReaderClientId"/> when the list is empty.
    /// </summary>
    public IList<string> DirectoryReaderClientIds { get; } = [];

    /// <summary>The secret callers send in X-IDENTITY-HEADER (IDENTITY_HEADER); random per process when empty.</summary>
    public string? IdentityHeader { get; set; }

    /// <summary>
    /// The writer process's own secret, as a second app in Azure has its own IDENTITY_HEADER. When set, the endpoint
    /// assigns identities per app as Azure attaches them: the catalogue's <c>app: writer</c> identities to the writer
    /// alone, every other one to the main app alone. When empty, one app holds every identity.
    /// </summary>
    public string? WriterIdentityHeader { get; set; }

    /// <summary>Where to write the identity header for other local processes (never printed).</summary>
    public string? IdentityHeaderFile { get; set; }

    /// <summary>Lifetime of the workload identity endpoint's tokens.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Audiences are this prefix plus a system name: api://durableagentops/crm.</summary>
    public string AudiencePrefix { get; set; } = "api://durableagentops/";

    /// <summary>Prefix of the sample systems' table names (devcrmaccounts, ...); tests may isolate with their own.</summary>
    public string TablePrefix { get; set; } = "dev";

    /// <summary>Azure Storage connection string of the sample systems' tables (bound from AzureWebJobsStorage).</summary>
    public string StorageConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>
    /// A second, HTTPS listener on localhost (MSAL accepts only https authorities); 0 = none. Every route is served on
    /// both ports.
    /// </summary>
    public int TlsPort { get; set; }

    /// <summary>
    /// Where the HTTPS listener's self-signed certificate is kept (reused while valid) and published as
    /// devservices-ca.pem and ca-bundle.pem (for SSL_CERT_FILE); when empty, a devservices-tls folder in the temp directory.
    /// </summary>
    public string? TlsDirectory { get; set; }

    /// <summary>The dev sign-in provider for people (section <c>DevServices:SignIn</c>).</summary>
    public DevSignInOptions SignIn { get; set; } = new();

    /// <summary>The workload identity endpoint's issuer: <see cref="PublicUrl"/> with a trailing slash.</summary>
    internal string Issuer => PublicUrl.AbsoluteUri.EndsWith('/') ? PublicUrl.AbsoluteUri : PublicUrl.AbsoluteUri + "/";

    /// <summary>The dev sign-in provider's issuer (and OpenID authority): <see cref="PublicUrl"/> without a trailing slash, plus /signin.</summary>
    internal string SignInIssuer => PublicUrl.AbsoluteUri.TrimEnd('/') + "/signin";

    internal IReadOnlyList<string> DirectoryReaders =>
        DirectoryReaderClientIds.Count > 0 ? [.. DirectoryReaderClientIds] : [DefaultDirectoryReaderClientId];

    internal string AudienceFor(string system) => AudiencePrefix + system;

    internal bool IsDirectoryReader(string? clientId) => DirectoryReaders.Contains(clientId, StringComparer.OrdinalIgnoreCase);
}

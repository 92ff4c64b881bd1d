using System.Collections.Concurrent;
using System.Net.Http.Json;
using DurableAgentOps.Cli.SignIn;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// The DevServices process (dev managed-identity endpoint + sample CRM, support and finance systems), started as
/// the demo starts it, with its own table prefix so its data is this test's alone.
/// </summary>
internal sealed class DevServicesProcess : ServiceProcess
{
    private DevServicesProcess(int port, int tlsPort, string tlsDirectory, string identityHeader, string writerIdentityHeader, IEnumerable<KeyValuePair<string, string?>> environment)
        : base(RepoPaths.DevServicesDll, port, environment)
    {
        TlsPort = tlsPort;
        TlsDirectory = tlsDirectory;
        IdentityHeader = identityHeader;
        WriterIdentityHeader = writerIdentityHeader;
    }

    /// <summary>The host API's app registration: the delegating app (directory.yaml delegatingApps) delegated identities act through.</summary>
    public const string DelegatingAppClientId = "6f1c0a10-0000-4000-8000-0000000000a1";

    /// <summary>The managed identity whose token is the delegating app's client assertion (its federated credential).</summary>
    public const string FederatedIdentityClientId = "6f1c0a10-0000-4000-8000-0000000000a2";

    /// <summary>The HTTPS listener's port (https://localhost:port); every route is served there too.</summary>
    public int TlsPort { get; }

    /// <summary>Where DevServices keeps its certificate (devservices-ca.pem) and the bundle (ca-bundle.pem).</summary>
    public string TlsDirectory { get; }

    public string HttpsBaseUrl => $"https://localhost:{TlsPort}";

    /// <summary>The MSAL authority of the on-behalf-of flow: https://localhost:port/tenantId (Entra shaped).</summary>
    public string DelegationAuthority => $"{HttpsBaseUrl}/{TenantId}";

    /// <summary>The system bundle plus the DevServices certificate: SSL_CERT_FILE for a process that must trust the listener.</summary>
    public string CaBundlePath => Path.Combine(TlsDirectory, "ca-bundle.pem");

    /// <summary>The DevServices certificate alone (PEM).</summary>
    public string CaCertificatePath => Path.Combine(TlsDirectory, "devservices-ca.pem");

    /// <summary>The dev directory's tenant (directory.yaml); hosts accept only its people.</summary>
    public const string TenantId = "7d3e5c1a-0000-4000-8000-0000000000d0";

    /// <summary>The host's own dev identity: the one client id DevServices gives Graph tokens to.</summary>
    public const string HostClientId = "6f1c0a10-0000-4000-8000-0000000000a0";

    private readonly ConcurrentDictionary<string, Task<string>> people = new(StringComparer.OrdinalIgnoreCase);

    public string IdentityHeader { get; }

    /// <summary>The writer process's own IDENTITY_HEADER: identities are assigned per app, as in Azure (writer ones to it alone).</summary>
    public string WriterIdentityHeader { get; }

    /// <summary>The dev sign-in provider's authority.</summary>
    public string Authority => $"{BaseUrl}/signin";

    /// <summary>
    /// Settings a Host process needs to take step tokens from this endpoint, call these systems, trust this sign-in
    /// provider for people, and ask its Graph routes about them.
    /// </summary>
    public Dictionary<string, string?> HostSettings() => new()
    {
        ["IDENTITY_ENDPOINT"] = $"{BaseUrl}/msi/token",
        ["IDENTITY_HEADER"] = IdentityHeader,
        ["AgentOps__Systems__DefaultBaseUrl"] = BaseUrl,
        ["AgentOps__Auth__Authority"] = Authority,
        ["AgentOps__Auth__TenantId"] = TenantId,
        ["AgentOps__Directory__GraphBaseUrl"] = $"{BaseUrl}/graph/v1.0/",
        ["AgentOps__Directory__ClientId"] = HostClientId,

        // Delegation (issue 18): MSAL's https authority, the federated managed identity, and trust for the listener
        // (.NET on Linux reads SSL_CERT_FILE at start).
        ["SSL_CERT_FILE"] = CaBundlePath,
        ["AgentOps__Delegation__Authority"] = DelegationAuthority,
        ["AgentOps__Delegation__ManagedIdentityClientId"] = FederatedIdentityClientId,
    };

    /// <summary>
    /// An access token for the host API, signed in as <paramref name="person"/> through the provider's real
    /// authorization-code flow with PKCE (the CLI's dev sign-in); one sign-in per person per DevServices.
    /// </summary>
    public Task<string> SignInAsync(string person, string scope = SignInSettings.DefaultScope) =>
        people.GetOrAdd($"{person}|{scope}", async _ =>
            (await DevSignIn.SignInAsync(new SignInSettings(new Uri(Authority), SignInSettings.DefaultClientId, scope), person, CancellationToken.None)).AccessToken);

    /// <summary>A token minted by the dev-only route, for what the real flow never gives: an expired one, or another audience.</summary>
    public async Task<string> MintTokenAsync(string person, string? audience = null, int? lifetimeSeconds = null, int? issuedSecondsAgo = null)
    {
        using var response = await Http.PostAsJsonAsync("/_dev/signin/tokens", new { person, audience, lifetimeSeconds, issuedSecondsAgo });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// Starts DevServices with its HTTPS listener on a free port and its own TLS directory; <paramref name="catalogue"/>
    /// replaces the shipped identities.yaml (a test's own identities and systems); <paramref name="delegatedTokenLifetime"/>
    /// under 5 minutes makes MSAL refresh the delegated token at every step (default 1 h).
    /// </summary>
    public static async Task<DevServicesProcess> StartAsync(
        AzuriteFixture azurite, string? catalogue = null, TimeSpan? delegatedTokenLifetime = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var port = FreePort.Next();
        var tlsPort = FreePort.Next();
        var tlsDirectory = Path.Combine(Path.GetTempPath(), "agentops-devservices-tls-" + Guid.NewGuid().ToString("N")[..12]);
        var header = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var writerHeader = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var environment = new Dictionary<string, string?>
        {
            ["DevServices__TlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DevServices__TlsDirectory"] = tlsDirectory,
            ["DevServices__SignIn__DelegatedTokenLifetime"] = delegatedTokenLifetime?.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["DevServices__WriterIdentityHeader"] = writerHeader,
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["DevServices__PublicUrl"] = $"http://127.0.0.1:{port}",
            ["DevServices__IdentityHeader"] = header,
            ["DevServices__TablePrefix"] = "t" + Guid.NewGuid().ToString("N")[..10],
            ["DevServices__Catalogue"] = catalogue,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        var dev = new DevServicesProcess(port, tlsPort, tlsDirectory, header, writerHeader, environment);
        await dev.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return dev;
    }

    /// <summary>Revokes the person's sign-in sessions (POST /_dev/people/{upn}/revoke): their refresh tokens and assertions stop working.</summary>
    public async Task RevokeAsync(string userPrincipalName)
    {
        using var response = await Http.PostAsync($"/_dev/people/{Uri.EscapeDataString(userPrincipalName)}/revoke", null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Moves DevServices' clock forward (POST /_dev/clock): what it issues and validates sees the later time.</summary>
    public async Task AdvanceClockAsync(TimeSpan by)
    {
        using var response = await Http.PostAsJsonAsync("/_dev/clock", new { advance = System.Xml.XmlConvert.ToString(by) });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The delegated grants DevServices issued (on_behalf_of, refresh_token), oldest first; never token values.</summary>
    public async Task<List<JsonElement>> DelegatedGrantsAsync() =>
        [.. (await TokenLogAsync()).Where(r => r.TryGetProperty("kind", out var kind) && kind.GetString() == "delegated")];

    /// <summary>The systems' request log: who (token subject) did what.</summary>
    public async Task<List<JsonElement>> RequestsAsync(string? system = null) =>
        await Http.GetFromJsonAsync<List<JsonElement>>("/_dev/requests" + (system is null ? string.Empty : $"?system={system}")) ?? [];

    /// <summary>The logged requests to one path (any method), oldest first.</summary>
    public async Task<List<JsonElement>> RequestsToAsync(string system, string path) =>
        [.. (await RequestsAsync(system)).Where(r => r.GetProperty("path").GetString() == path)];

    /// <summary>Removes every fault rule: the system is back.</summary>
    public async Task ClearFaultsAsync()
    {
        using var response = await Http.DeleteAsync("/_dev/faults");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Adds a fault rule (see docs/DEVSERVICES.md, "Fault injection"); a rule the service refuses fails the test.</summary>
    public async Task InjectFaultAsync(object rule)
    {
        using var response = await Http.PostAsJsonAsync("/_dev/faults", rule);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Token requests per (client id, resource), as the identity endpoint counted them (delegated grants left out).</summary>
    public async Task<List<JsonElement>> TokenRequestsAsync() =>
        [.. (await TokenLogAsync()).Where(r => !r.TryGetProperty("kind", out _))];

    private async Task<List<JsonElement>> TokenLogAsync() =>
        await Http.GetFromJsonAsync<List<JsonElement>>("/_dev/token-requests") ?? [];

    /// <summary>A token straight from the identity endpoint, for a test reading a system as a given identity.</summary>
    public async Task<string> TokenAsync(string clientId, string system)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/msi/token?resource=api://durableagentops/{system}&api-version=2019-08-01&client_id={clientId}");
        request.Headers.Add("X-IDENTITY-HEADER", IdentityHeader);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>GET a system path as an identity.</summary>
    public async Task<JsonNode?> GetAsAsync(string clientId, string system, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await TokenAsync(clientId, system));
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonNode>();
    }
}

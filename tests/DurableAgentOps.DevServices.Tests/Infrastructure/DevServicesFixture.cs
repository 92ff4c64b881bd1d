using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.DevServices.Identity;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>
/// One Azurite and one dev-services host for the test run, with IDENTITY_ENDPOINT / IDENTITY_HEADER set in this
/// process so Azure.Identity's real ManagedIdentityCredential gets its tokens from the host.
/// </summary>
public sealed class DevServicesFixture : IAsyncLifetime
{
    public const string AudiencePrefix = "api://durableagentops/";

    private TablesEmulator? tables;
    private DevServicesHost? host;

    public TablesEmulator Tables => tables!;

    public DevServicesHost Host => host!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The HTTPS listener's port (https://localhost:port), with its certificate and bundle in <see cref="TlsDirectory"/>.</summary>
    public int TlsPort { get; private set; }

    public string TlsDirectory { get; } = Path.Combine(Path.GetTempPath(), "devservices-tests-tls-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>https://localhost:port/ of the HTTPS listener.</summary>
    public Uri HttpsBaseUrl => new($"https://localhost:{TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}/");

    /// <summary>The X-IDENTITY-HEADER secret; tests never print it.</summary>
    public string IdentityHeader { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    public async Task InitializeAsync()
    {
        tables = await TablesEmulator.StartAsync();
        TlsPort = Ports.Free();
        host = await DevServicesHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = tables.ConnectionString,
            ["DevServices:IdentityHeader"] = IdentityHeader,
            ["DevServices:TlsPort"] = TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DevServices:TlsDirectory"] = TlsDirectory,

            // Under MSAL's 5-minute renewal window, so every AcquireTokenInLongRunningProcess refreshes.
            ["DevServices:SignIn:DelegatedTokenLifetime"] = "00:02:00",
        });
        Http = new HttpClient { BaseAddress = host.BaseUrl };

        // Azure.Identity picks the App Service source from these when a credential is created.
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", new Uri(host.BaseUrl, "msi/token").ToString());
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", IdentityHeader);
        Environment.SetEnvironmentVariable("IDENTITY_SERVER_THUMBPRINT", null);
        Environment.SetEnvironmentVariable("IMDS_ENDPOINT", null);
        Environment.SetEnvironmentVariable("MSI_ENDPOINT", null);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        try
        {
            Directory.Delete(TlsDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        if (host is not null)
        {
            await host.DisposeAsync();
        }

        if (tables is not null)
        {
            await tables.DisposeAsync();
        }
    }

    public string ClientId(string identity) =>
        Host.Service<IdentityDirectory>().Identities.Single(i => i.Name == identity).ClientId;

    public static string Audience(string system) => AudiencePrefix + system;

    /// <summary>A token the way a step gets one: a new ManagedIdentityCredential for the identity's client id.</summary>
    public async Task<string> TokenAsync(string identity, string system)
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(ClientId(identity)));
        var token = await credential.GetTokenAsync(new TokenRequestContext([Audience(system) + "/.default"]), CancellationToken.None);
        return token.Token;
    }

    public async Task<int> TokenRequestsAsync(string clientId, string system)
    {
        var rows = await Http.GetFromJsonAsync<JsonElement>("/_dev/token-requests");
        return rows.EnumerateArray()
            .Where(r => r.GetProperty("clientId").GetString() == clientId && r.GetProperty("resource").GetString() == Audience(system))
            .Select(r => r.GetProperty("count").GetInt32())
            .SingleOrDefault();
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null, string? idempotencyKey = null, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return (client ?? Http).SendAsync(request);
    }

    /// <summary>Adds a fault rule (docs/DEVSERVICES.md, "Fault injection"); the service must accept it (201).</summary>
    public async Task InjectFaultAsync(object rule)
    {
        using var response = await Http.PostAsJsonAsync("/_dev/faults", rule);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Request-log entries for one path, oldest first.</summary>
    public async Task<List<JsonElement>> RequestLogAsync(string path)
    {
        var entries = await Http.GetFromJsonAsync<JsonElement>("/_dev/requests");
        return [.. entries.EnumerateArray().Where(e => e.GetProperty("path").GetString() == path)];
    }
}

[CollectionDefinition(Name)]
public sealed class DevServicesCollection : ICollectionFixture<DevServicesFixture>
{
    public const string Name = "devservices";
}

using System.Net.Http.Json;
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
    private DevServicesProcess(int port, string identityHeader, IEnumerable<KeyValuePair<string, string?>> environment)
        : base(RepoPaths.DevServicesDll, port, environment)
    {
        IdentityHeader = identityHeader;
    }

    public string IdentityHeader { get; }

    /// <summary>Settings a Host process needs to take tokens from this endpoint and call these systems.</summary>
    public Dictionary<string, string?> HostSettings() => new()
    {
        ["IDENTITY_ENDPOINT"] = $"{BaseUrl}/msi/token",
        ["IDENTITY_HEADER"] = IdentityHeader,
        ["AgentOps__Systems__DefaultBaseUrl"] = BaseUrl,
    };

    public static async Task<DevServicesProcess> StartAsync(AzuriteFixture azurite)
    {
        var port = FreePort.Next();
        var header = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var dev = new DevServicesProcess(port, header, new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["DevServices__PublicUrl"] = $"http://127.0.0.1:{port}",
            ["DevServices__IdentityHeader"] = header,
            ["DevServices__TablePrefix"] = "t" + Guid.NewGuid().ToString("N")[..10],
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await dev.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return dev;
    }

    /// <summary>The systems' request log: who (token subject) did what.</summary>
    public async Task<List<JsonElement>> RequestsAsync(string? system = null) =>
        await Http.GetFromJsonAsync<List<JsonElement>>("/_dev/requests" + (system is null ? string.Empty : $"?system={system}")) ?? [];

    /// <summary>The logged requests to one path (any method), oldest first.</summary>
    public async Task<List<JsonElement>> RequestsToAsync(string system, string path) =>
        [.. (await RequestsAsync(system)).Where(r => r.GetProperty("path").GetString() == path)];

    /// <summary>Adds a fault rule (see docs/DEVSERVICES.md, "Fault injection"); a rule the service refuses fails the test.</summary>
    public async Task InjectFaultAsync(object rule)
    {
        using var response = await Http.PostAsJsonAsync("/_dev/faults", rule);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Token requests per (client id, resource), as the identity endpoint counted them.</summary>
    public async Task<List<JsonElement>> TokenRequestsAsync() =>
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

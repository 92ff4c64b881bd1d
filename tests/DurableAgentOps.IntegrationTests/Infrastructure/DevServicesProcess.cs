using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// The DevServices process (dev managed-identity endpoint + sample CRM, support and finance systems), started as
/// the demo starts it, with its own table prefix so its data is this test's alone.
/// </summary>
internal sealed class DevServicesProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private DevServicesProcess(Process process, int port, string identityHeader)
    {
        this.process = process;
        Port = port;
        IdentityHeader = identityHeader;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string IdentityHeader { get; }

    public HttpClient Http { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

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
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { RepoPaths.DevServicesDll, "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        info.Environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        info.Environment["DevServices__PublicUrl"] = $"http://127.0.0.1:{port}";
        info.Environment["DevServices__IdentityHeader"] = header;
        info.Environment["DevServices__TablePrefix"] = "t" + Guid.NewGuid().ToString("N")[..10];
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var dev = new DevServicesProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"), port, header);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (dev.process.HasExited)
            {
                throw new InvalidOperationException($"DevServices exited with {dev.process.ExitCode}: {dev.Output}");
            }

            try
            {
                if ((await dev.Http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return dev;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"DevServices not healthy: {dev.Output}");
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>The systems' request log: who (token subject) did what.</summary>
    public async Task<List<JsonElement>> RequestsAsync(string? system = null) =>
        await Http.GetFromJsonAsync<List<JsonElement>>("/_dev/requests" + (system is null ? string.Empty : $"?system={system}")) ?? [];

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

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        Http.Dispose();
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}

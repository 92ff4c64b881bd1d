using System.Net.Http.Json;
using System.Text.Json;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>A DurableAgentOps.Host process, started as an operator would start it: settings through the environment.</summary>
internal sealed class HostProcess : ServiceProcess
{
    /// <summary>The system key test hosts get (DefaultSettings); <see cref="ServiceProcess.Http"/> sends it, as an operator's script would.</summary>
    public static readonly string SystemKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    /// <summary>The key test hosts seal redacted values with.</summary>
    /// <summary>The EC P-256 key test hosts sign evidence heads with (PEM).</summary>
    public static readonly string EvidenceKey = Core.Evidence.PemEvidenceSigner.NewPrivateKeyPem();

    public static readonly string VaultKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Encrypts the on-behalf-of sessions of runs that act for their starter (AgentOps:Delegation:CacheKey).</summary>
    public static readonly string DelegationCacheKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private HostProcess(int port, IDictionary<string, string?> environment, bool testHost)
        : base(testHost ? RepoPaths.TestHostDll : RepoPaths.HostDll, port, environment.Append(new("Host__PublicBaseUrl", $"http://127.0.0.1:{port}")))
    {
        Http.DefaultRequestHeaders.Add("x-functions-key", SystemKey);
        Anonymous = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A client that sends no credential at all.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>A client that sends <paramref name="token"/> as its bearer token (dispose it).</summary>
    public HttpClient As(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Settings a test host gets unless the test says otherwise: short queue visibility so a crash is recovered quickly.</summary>
    public static Dictionary<string, string?> DefaultSettings(AzuriteFixture azurite, string hubName) => new()
    {
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["AzureFunctionsJobHost__extensions__durableTask__hubName"] = hubName,
        ["AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval"] = "00:00:01",
        ["AzureFunctionsJobHost__extensions__durableTask__storageProvider__workItemQueueVisibilityTimeout"] = "00:00:10",
        ["AzureFunctionsJobHost__extensions__durableTask__storageProvider__controlQueueVisibilityTimeout"] = "00:00:10",
        ["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning",

        // A host must name the authority it trusts; tests with DevServices override it with the dev provider's.
        ["AgentOps__Auth__Authority"] = "http://127.0.0.1:9/signin",
        ["AgentOps__Auth__SystemKey"] = SystemKey,
        ["AgentOps__Evidence__VaultKey"] = VaultKey,
        ["AgentOps__Evidence__SigningKey"] = EvidenceKey,
    };

    /// <summary><see cref="DefaultSettings(AzuriteFixture, string)"/> pointed at DevServices: its identity endpoint, sign-in provider, directory and sample systems.</summary>
    public static Dictionary<string, string?> DefaultSettings(AzuriteFixture azurite, string hubName, DevServicesProcess dev)
    {
        var settings = DefaultSettings(azurite, hubName);
        foreach (var (key, value) in dev.HostSettings())
        {
            settings[key] = value;
        }

        // With DevServices the host can act for people (its HostSettings give the authority and the federated identity).
        settings["AgentOps__Delegation__CacheKey"] = DelegationCacheKey;

        return settings;
    }

    /// <summary>Approval mail to smtp4dev: plain SMTP on this machine, from the approvals address.</summary>
    public static void SendMailTo(Dictionary<string, string?> settings, Smtp4devProcess smtp)
    {
        settings["AgentOps__Email__Host"] = "127.0.0.1";
        settings["AgentOps__Email__Port"] = smtp.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["AgentOps__Email__Security"] = "None";
        settings["AgentOps__Email__From"] = "approvals@contoso.example";
    }

    /// <summary>Starts the product's host, or with <paramref name="testHost"/> the test host (the same host plus test-only additions).</summary>
    public static HostProcess Start(IDictionary<string, string?> environment, bool testHost = false) => new(FreePort.Next(), environment, testHost);

    public static async Task<HostProcess> StartHealthyAsync(IDictionary<string, string?> environment, bool testHost = false)
    {
        var host = Start(environment, testHost);
        await host.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cts.Token);
        return Process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager or container runtime stops a host.</summary>
    public Task StopAsync()
    {
        if (kill(Process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"SIGTERM to {Process.Id} failed");
        }

        return Task.CompletedTask;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>SIGKILL: no shutdown hooks, no lease release, in-flight work abandoned mid-step.</summary>
    public void Kill() => Process.Kill(entireProcessTree: true);

    public async Task<T> GetJsonAsync<T>(string path) =>
        await Http.GetFromJsonAsync<T>(path) ?? throw new InvalidOperationException($"GET {path} returned null");

    /// <summary>Polls a status document until <paramref name="condition"/> holds; the timeout names what was awaited and shows the host's output.</summary>
    public async Task<JsonElement> WaitForJsonAsync(string path, Func<JsonElement, bool> condition, TimeSpan patience, string what)
    {
        var deadline = DateTime.UtcNow + patience;
        JsonElement status = default;
        while (DateTime.UtcNow < deadline)
        {
            status = await GetJsonAsync<JsonElement>(path);
            if (condition(status))
            {
                return status;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"GET {path}: not {what} after {patience}; last status {status}; host output: {Output}");
    }
}

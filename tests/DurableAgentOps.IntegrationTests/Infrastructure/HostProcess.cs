using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>A DurableAgentOps.Host process, started as an operator would start it: settings through the environment.</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private HostProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public int Id => process.Id;

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

    /// <summary>Settings a test host gets unless the test says otherwise: short queue visibility so a crash is recovered quickly.</summary>
    public static Dictionary<string, string?> DefaultSettings(AzuriteFixture azurite, string hubName) => new()
    {
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["AzureFunctionsJobHost__extensions__durableTask__hubName"] = hubName,
        ["AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval"] = "00:00:01",
        ["AzureFunctionsJobHost__extensions__durableTask__storageProvider__workItemQueueVisibilityTimeout"] = "00:00:10",
        ["AzureFunctionsJobHost__extensions__durableTask__storageProvider__controlQueueVisibilityTimeout"] = "00:00:10",
        ["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning",
    };

    public static HostProcess Start(IDictionary<string, string?> environment)
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { RepoPaths.HostDll, "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["Host__PublicBaseUrl"] = $"http://127.0.0.1:{port}";
        return new HostProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"), port);
    }

    public static async Task<HostProcess> StartHealthyAsync(IDictionary<string, string?> environment)
    {
        var host = Start(environment);
        await host.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Host exited with code {process.ExitCode}: {Output}");
            }

            try
            {
                if ((await Http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Host on port {Port} not healthy after {timeout}: {Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager or container runtime stops a host.</summary>
    public Task StopAsync()
    {
        if (kill(process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"SIGTERM to {process.Id} failed");
        }

        return Task.CompletedTask;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>SIGKILL: no shutdown hooks, no lease release, in-flight work abandoned mid-step.</summary>
    public void Kill() => process.Kill(entireProcessTree: true);

    public async Task<T> GetJsonAsync<T>(string path) =>
        await Http.GetFromJsonAsync<T>(path) ?? throw new InvalidOperationException($"GET {path} returned null");

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

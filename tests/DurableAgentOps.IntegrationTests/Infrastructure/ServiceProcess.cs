using System.Diagnostics;
using System.Text;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>One of the product's own processes (`dotnet app.dll --urls ...`) with its output kept for failure messages.</summary>
internal class ServiceProcess : IAsyncDisposable
{
    private readonly StringBuilder output = new();

    protected ServiceProcess(string dll, int port, IEnumerable<KeyValuePair<string, string?>> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        Process = Process.Start(info) ?? throw new InvalidOperationException($"dotnet {dll} did not start");
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public HttpClient Http { get; }

    public int Id => Process.Id;

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

    protected Process Process { get; }

    /// <summary>Waits until /healthz answers 200; fails with the process's output if it exits or never gets there.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"{GetType().Name} exited with code {Process.ExitCode}: {Output}");
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

        throw new TimeoutException($"{GetType().Name} on port {Port} not healthy after {timeout}: {Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Http.Dispose();
        Process.Dispose();
        GC.SuppressFinalize(this);
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

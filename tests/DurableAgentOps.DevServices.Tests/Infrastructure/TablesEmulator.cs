using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>
/// Azurite's table service (the repository's pinned npm package), in memory on a free port, for one test run. Only
/// the table service: the sample systems use nothing else.
/// </summary>
public sealed class TablesEmulator : IAsyncDisposable
{
    // Azurite's well-known development account key; it protects nothing.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process process;
    private readonly StringBuilder output = new();

    private TablesEmulator(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public static async Task<TablesEmulator> StartAsync()
    {
        var executable = Path.Combine(TestPaths.RepositoryRoot, "node_modules", ".bin", "azurite-table");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed ({executable} is missing): run ./build.sh setup (npm ci).");
        }

        var port = Ports.Free();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Directory.CreateTempSubdirectory("devservices-azurite-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--tableHost", "127.0.0.1", "--tablePort", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var emulator = new TablesEmulator(Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start"), port);
        emulator.process.OutputDataReceived += (_, e) => emulator.Collect(e.Data);
        emulator.process.ErrorDataReceived += (_, e) => emulator.Collect(e.Data);
        emulator.process.BeginOutputReadLine();
        emulator.process.BeginErrorReadLine();
        await Ports.WaitForListenerAsync(port, TimeSpan.FromSeconds(30), emulator.Describe);
        return emulator;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Collect(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private string Describe()
    {
        lock (output)
        {
            return $"Azurite {(process.HasExited ? "has exited" : "is running")}; output: {output}";
        }
    }
}

internal static class Ports
{
    /// <summary>A port nothing listens on now (the OS picks it; a race with another process is unlikely).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitForListenerAsync(int port, TimeSpan timeout, Func<string> describe)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"nothing listens on 127.0.0.1:{port} after {timeout.TotalSeconds} s; {describe()}");
    }
}

internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Catalogue => Path.Combine(RepositoryRoot, "workflows", "identities.yaml");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DurableAgentOps.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no DurableAgentOps.sln above {AppContext.BaseDirectory}");
    }
}

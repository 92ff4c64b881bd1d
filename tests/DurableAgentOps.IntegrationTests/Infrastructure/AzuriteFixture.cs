using System.Diagnostics;
using System.Text;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// One Azurite (the repository's pinned npm package) per test collection, in memory, on free ports, so tests never
/// touch a developer's own emulator data (a test that stops storage starts its own, on disk: <see cref="StartOnDiskAsync"/>). Each test isolates itself with its own task hub name.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly StringBuilder log = new();
    private Process? process;

    public string ConnectionString { get; private set; } = string.Empty;

    public int TablePort { get; private set; }

    private int blob;
    private int queue;
    private string? location;

    public async Task InitializeAsync()
    {
        (blob, queue, TablePort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        await LaunchAsync();
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";
    }

    /// <summary>
    /// An Azurite of a test's own, kept on disk (<c>--location</c>) so that it can be stopped and started again with its
    /// data, as a storage outage and recovery would go (dispose it).
    /// </summary>
    public static async Task<AzuriteFixture> StartOnDiskAsync()
    {
        var own = new AzuriteFixture { location = Directory.CreateTempSubdirectory("azurite-data-").FullName };
        await own.InitializeAsync();
        return own;
    }

    /// <summary>
    /// Stops this Azurite as storage restarts go (SIGTERM: it saves its data and exits; killed only if it hangs), an
    /// outage for every client; <see cref="StartAgainAsync"/> brings it back on the same ports with the same data.
    /// </summary>
    public async Task StopAsync()
    {
        if (process is not { HasExited: false } running)
        {
            return;
        }

        _ = kill(running.Id, 15);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await running.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public Task StartAgainAsync() => LaunchAsync();

    private async Task LaunchAsync()
    {
        var azurite = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run ./build.sh setup (npm ci) first.");
        }

        var info = new ProcessStartInfo(azurite)
        {
            ArgumentList =
            {
                "--skipApiVersionCheck", "--loose", "--silent",
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            WorkingDirectory = location ?? Directory.CreateTempSubdirectory("azurite-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (location is null)
        {
            info.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            info.ArgumentList.Add("--location");
            info.ArgumentList.Add(location);
        }

        process?.Dispose();
        process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = process;
        foreach (var port in new[] { blob, queue, TablePort })
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30), () => $"Azurite {(started.HasExited ? "exited" : "is running")}; its output: {Output()}");
        }
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process?.Dispose();
        if (location is not null)
        {
            try
            {
                Directory.Delete(location, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by the dying process: the temp folder is cleaned by the OS later.
            }
        }

        return Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (log)
        {
            return log.ToString();
        }
    }
}

/// <summary>The tests sharing one Azurite, one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}

/// <summary>
/// The tests that kill hosts, stop storage or make systems fail: a collection of their own, so an Azurite of their
/// own (a collection fixture is one per collection). They mostly wait (leases, timeouts, outages), so they run beside
/// <see cref="AzuriteCollection"/> instead of after it, and stopping their Azurite stops nobody else's.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AzuriteFaultsCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite-faults";
}

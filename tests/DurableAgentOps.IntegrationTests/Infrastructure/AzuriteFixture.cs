using System.Diagnostics;
using System.Text;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// One Azurite (the repository's pinned npm package) per test run, in memory, on free ports, so tests never
/// touch a developer's own emulator data. Each test isolates itself with its own task hub name.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private readonly StringBuilder log = new();
    private Process? process;

    public string ConnectionString { get; private set; } = string.Empty;

    public int TablePort { get; private set; }

    public async Task InitializeAsync()
    {
        var azurite = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run ./build.sh setup (npm ci) first.");
        }

        int blob = FreePort.Next(), queue = FreePort.Next(), table = FreePort.Next();
        TablePort = table;
        var info = new ProcessStartInfo(azurite)
        {
            ArgumentList =
            {
                "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent",
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            WorkingDirectory = Directory.CreateTempSubdirectory("azurite-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var port in new[] { blob, queue, table })
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30), () => $"Azurite {(process.HasExited ? "exited" : "is running")}; its output: {Output()}");
        }

        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process?.Dispose();
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

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}

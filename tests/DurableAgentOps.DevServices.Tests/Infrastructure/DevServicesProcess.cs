using System.Diagnostics;
using System.Globalization;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>What a DevServices process that was expected to stop printed, and its exit code.</summary>
public sealed record ProcessExit(int ExitCode, string Output, string Error);

/// <summary>
/// The real DevServices program (`dotnet DurableAgentOps.DevServices.dll`, built next to the tests), for what only a
/// process shows: exit codes and what an operator reads on the console.
/// </summary>
public static class DevServicesProcess
{
    /// <summary>Runs it with <paramref name="environment"/> and waits for it to exit (it must, within 30 s).</summary>
    public static async Task<ProcessExit> RunUntilExitAsync(IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "DurableAgentOps.DevServices.dll") },
            WorkingDirectory = TestPaths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DevServices__PublicUrl"] = $"http://127.0.0.1:{Ports.Free().ToString(CultureInfo.InvariantCulture)}";
        start.Environment["DevServices__Catalogue"] = TestPaths.Catalogue;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"DevServices did not exit within 30 s; output: {await output} {await error}");
        }

        return new ProcessExit(process.ExitCode, await output, await error);
    }
}

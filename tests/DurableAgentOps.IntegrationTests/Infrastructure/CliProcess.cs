using System.Diagnostics;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>`agentops ...` as the built program, the way a person runs it: their own AGENTOPS_HOME, a host URL (or none).</summary>
internal static class CliProcess
{
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(string home, string? hostUrl, params string[] args) =>
        RunAsync(home, hostUrl, new Dictionary<string, string>(), args);

    /// <summary>As above, with extra environment variables (e.g. a token the command reads from one).</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string home, string? hostUrl, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AGENTOPS_HOME"] = home;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        if (hostUrl is null)
        {
            start.Environment.Remove("AGENTOPS_HOST");
        }
        else
        {
            start.Environment["AGENTOPS_HOST"] = hostUrl;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}

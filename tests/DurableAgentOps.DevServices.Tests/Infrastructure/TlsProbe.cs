using System.Diagnostics;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>
/// The test assembly's entry point, used only as a child process: <c>dotnet DurableAgentOps.DevServices.Tests.dll
/// --https-get URL</c> GETs the URL with a plain HttpClient (default certificate validation) and prints the status or
/// the error, so a test sees what a fresh .NET process trusts given its environment (SSL_CERT_FILE).
/// </summary>
public static class TlsProbe
{
    public const string Argument = "--https-get";

    public static async Task<int> Main(string[] args)
    {
        if (args is not [Argument, var url])
        {
            await Console.Error.WriteLineAsync($"usage: {Argument} URL");
            return 2;
        }

        using var http = new HttpClient();
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            Console.WriteLine($"status {(int)response.StatusCode}");
            return 0;
        }
        catch (HttpRequestException ex)
        {
            Console.WriteLine($"failed {ex.GetBaseException().Message}");
            return 1;
        }
    }

    /// <summary>Runs the probe with <paramref name="environment"/> added; answers its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string url, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "DurableAgentOps.DevServices.Tests.dll"), Argument, url },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("SSL_CERT_FILE");
        start.Environment.Remove("SSL_CERT_DIR");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output) + (await error));
    }
}

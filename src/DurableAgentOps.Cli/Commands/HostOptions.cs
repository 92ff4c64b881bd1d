using System.CommandLine;
using System.Net;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Cli.SignIn;

namespace DurableAgentOps.Cli.Commands;

/// <summary>Options shared by the commands that talk to a running host.</summary>
internal static class HostOptions
{
    public static Option<string?> Host() => new("--host")
    {
        HelpName = "url",
        Description = $"The DurableAgentOps host's base URL (default: ${HostClient.HostVariable}, else {HostClient.DefaultHost}).",
    };

    /// <summary>
    /// The client for --host / $AGENTOPS_HOST, sending the stored sign-in's token; null with the exit code after printing
    /// why (an unusable URL: 1; not signed in or expired: 4).
    /// </summary>
    public static async Task<(HostClient? Client, int ExitCode)> ConnectAsync(CliContext context, string command, string? host, CancellationToken cancellationToken)
    {
        if (HostClient.ResolveHost(host, Environment.GetEnvironmentVariable(HostClient.HostVariable), out var problem) is not { } uri)
        {
            context.Error.WriteLine($"agentops {command}: {problem}");
            return (null, ExitCodes.Failed);
        }

        var (token, signInProblem) = await CallerToken.GetAsync(context.Error, cancellationToken);
        if (token is null)
        {
            context.Error.WriteLine($"agentops {command}: {signInProblem}");
            return (null, ExitCodes.SignInRequired);
        }

        return (new HostClient(uri, token), ExitCodes.Ok);
    }

    /// <summary>
    /// Prints a refusal the host sent and picks the exit code: 401 means sign in again (4), 403 not allowed (5), any other 1.
    /// </summary>
    public static int Refused(CliContext context, string command, HostResponse response)
    {
        var (prefix, code) = response.Status switch
        {
            HttpStatusCode.Unauthorized => ("the host refused your sign-in: ", ExitCodes.SignInRequired),
            HttpStatusCode.Forbidden => ("not allowed: ", ExitCodes.Forbidden),
            _ => (string.Empty, ExitCodes.Failed),
        };
        context.Error.WriteLine($"agentops {command}: {prefix}{response.Explain()}");
        return code;
    }

    public static int Unreachable(CliContext context, HostUnreachableException ex)
    {
        context.Error.WriteLine($"agentops: {ex.Message}");
        return ExitCodes.Unreachable;
    }
}

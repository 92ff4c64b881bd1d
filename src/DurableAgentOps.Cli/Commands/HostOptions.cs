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
    /// One request with the stored sign-in: the host's 2xx answer, or null with the exit code after printing why (no
    /// sign-in, unreachable, or the host's refusal).
    /// </summary>
    public static async Task<(HostResponse? Response, int ExitCode)> SendAsync(
        CliContext context, string command, string? host, Func<HostClient, Task<HostResponse>> send, CancellationToken cancellationToken)
    {
        var (client, code) = await ConnectAsync(context, command, host, cancellationToken);
        if (client is null)
        {
            return (null, code);
        }

        using (client)
        {
            try
            {
                var response = await send(client);
                return response.IsSuccess ? (response, ExitCodes.Ok) : (null, Refused(context, command, response));
            }
            catch (HostUnreachableException ex)
            {
                return (null, Unreachable(context, ex));
            }
        }
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

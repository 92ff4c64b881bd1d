using System.CommandLine;
using DurableAgentOps.Cli.HostApi;

namespace DurableAgentOps.Cli.Commands;

/// <summary>Options shared by the commands that talk to a running host.</summary>
internal static class HostOptions
{
    public static Option<string?> Host() => new("--host")
    {
        HelpName = "url",
        Description = $"The DurableAgentOps host's base URL (default: ${HostClient.HostVariable}, else {HostClient.DefaultHost}).",
    };

    public static Option<string?> As(string who) => new("--as")
    {
        HelpName = "person",
        Description = $"Who {who} (default: $USER).",
    };

    /// <summary>$USER, as the help says; the OS account name where it is not set.</summary>
    public static string CurrentUser() => Environment.GetEnvironmentVariable("USER") is { Length: > 0 } user ? user : Environment.UserName;

    /// <summary>The client for --host / $AGENTOPS_HOST; null after printing why when the URL is unusable.</summary>
    public static HostClient? Connect(CliContext context, string command, string? host)
    {
        if (HostClient.ResolveHost(host, Environment.GetEnvironmentVariable(HostClient.HostVariable), out var problem) is { } uri)
        {
            return new HostClient(uri);
        }

        context.Error.WriteLine($"agentops {command}: {problem}");
        return null;
    }

    public static int Unreachable(CliContext context, HostUnreachableException ex)
    {
        context.Error.WriteLine($"agentops: {ex.Message}");
        return ExitCodes.Unreachable;
    }
}

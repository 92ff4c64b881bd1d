using System.CommandLine;

namespace DurableAgentOps.Cli.Commands;

/// <summary>Where a command writes; tests pass StringWriters, Program passes the console.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error);

/// <summary>One `agentops` subcommand. Each lives in its own file under Commands/ and is listed once in <c>CliApp.Commands</c>.</summary>
internal interface ICliCommand
{
    Command Create(CliContext context);
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Widened = 2;

    /// <summary>
    /// Bad usage or an unusable file (verify, export, purge, replay): nothing was checked, which a script must not take
    /// for the "broken" or "diverged" answer (1). Same number as <see cref="Widened"/>, which only diff uses.
    /// </summary>
    public const int Usage = 2;

    /// <summary>No answer from the host (refused, unresolvable, timed out): a different problem from a refusal.</summary>
    public const int Unreachable = 3;

    /// <summary>Not signed in, the sign-in expired, or the host refused the token (401): sign in again.</summary>
    public const int SignInRequired = 4;

    /// <summary>Signed in, but not allowed (403): another role or another person is needed.</summary>
    public const int Forbidden = 5;

    /// <summary>Ctrl+C (128 + SIGINT): the CLI stopped; a run it watched goes on.</summary>
    public const int Interrupted = 130;
}

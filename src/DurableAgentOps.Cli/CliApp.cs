using System.CommandLine;
using DurableAgentOps.Cli.Commands;

namespace DurableAgentOps.Cli;

/// <summary>Where a command writes; tests pass StringWriters, Program passes the console.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error);

/// <summary>One `agentops` subcommand. Each lives in its own file under Commands/ and is listed once in <see cref="CliApp.Commands"/>.</summary>
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

internal static class CliApp
{
    /// <summary>Every subcommand; adding one is one line here.</summary>
    public static IReadOnlyList<ICliCommand> Commands { get; } =
    [
        new LoginCommand(),
        new LogoutCommand(),
        new WhoamiCommand(),
        new ValidateCommand(),
        new ExplainCommand(),
        new DiffCommand(),
        new RunCommand(),
        new ApprovalsCommand(),
        new ApproveCommand(),
        new RunsCommand(),
        new VerifyCommand(),
        new ExportCommand(),
        new PurgeCommand(),
        new ReplayCommand(),
        new TimelineCommand(),
        new ReportCommand(),
    ];

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var context = new CliContext(output, error);
        var root = new RootCommand("agentops: validate, explain and compare DurableAgentOps workflow files; sign in, run them on a host and answer their approvals; find, verify and export their evidence.");
        foreach (var command in Commands)
        {
            root.Subcommands.Add(command.Create(context));
        }

        // Invoked asynchronously for Ctrl+C handling (it cancels a command's token); off the caller's thread so a
        // synchronization context (a test runner's) cannot deadlock the wait.
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return Task.Run(() => root.Parse(args).InvokeAsync(configuration)).GetAwaiter().GetResult();
    }
}

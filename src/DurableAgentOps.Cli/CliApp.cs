using System.CommandLine;
using DurableAgentOps.Cli.Commands;

namespace DurableAgentOps.Cli;

/// <summary>The `agentops` command line: every subcommand, parsed and run.</summary>
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
        new SystemsCommand(),
        new RunCommand(),
        new ApprovalsCommand(),
        new ApproveCommand(),
        new ResumeCommand(),
        new RunsCommand(),
        new VerifyCommand(),
        new EvidenceCommand(),
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

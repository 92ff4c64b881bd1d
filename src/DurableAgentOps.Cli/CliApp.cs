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
}

internal static class CliApp
{
    /// <summary>Every subcommand; adding one is one line here.</summary>
    public static IReadOnlyList<ICliCommand> Commands { get; } =
    [
        new ValidateCommand(),
        new ExplainCommand(),
        new DiffCommand(),
    ];

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var context = new CliContext(output, error);
        var root = new RootCommand("agentops: validate, explain and compare DurableAgentOps workflow files.");
        foreach (var command in Commands)
        {
            root.Subcommands.Add(command.Create(context));
        }

        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}

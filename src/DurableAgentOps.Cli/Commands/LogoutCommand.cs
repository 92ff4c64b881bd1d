using System.CommandLine;
using DurableAgentOps.Cli.SignIn;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops logout: forget the stored sign-in.</summary>
internal sealed class LogoutCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var command = new Command("logout", $"Forget the stored sign-in ({StoredLogin.FilePath}).");
        command.SetAction(_ =>
        {
            var who = StoredLogin.Load()?.Who;
            context.Out.WriteLine(StoredLogin.Delete() ? $"signed out{(who is null ? string.Empty : " " + who)}" : "not signed in");
            return ExitCodes.Ok;
        });
        return command;
    }
}

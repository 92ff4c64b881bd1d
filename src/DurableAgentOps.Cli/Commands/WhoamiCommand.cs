using System.CommandLine;
using DurableAgentOps.Cli.SignIn;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops whoami: who the CLI acts as, and until when.</summary>
internal sealed class WhoamiCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var command = new Command("whoami", "Show who the CLI is signed in as, for which audience, and until when (exit 4 when not signed in or expired).");
        command.SetAction(async (_, cancellationToken) =>
        {
            var (token, problem) = await CallerToken.GetAsync(context.Error, cancellationToken);
            if (token is null)
            {
                context.Error.WriteLine($"agentops whoami: {problem}");
                return ExitCodes.SignInRequired;
            }

            var login = StoredLogin.Load()!;
            var claims = TokenClaims.Read(token);
            context.Out.WriteLine($"{login.Who} ({login.Method} sign-in at {login.Authority})");
            context.Out.WriteLine($"audience {claims.Audience ?? login.Scope}, valid until {(claims.ExpiresOn ?? login.ExpiresOn):u}");
            return ExitCodes.Ok;
        });
        return command;
    }
}

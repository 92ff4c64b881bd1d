using System.CommandLine;
using DurableAgentOps.Cli.SignIn;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops login: sign in once; later commands send the token to the host as who you are.</summary>
internal sealed class LoginCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var dev = new Option<string?>("--dev")
        {
            HelpName = "person",
            Description = "Sign in to the local dev sign-in provider (DevServices) as this person of its directory, e.g. alice@contoso.example (or just alice).",
        };
        var azureCli = new Option<bool>("--azure-cli") { Description = "Entra ID: use the Azure CLI's signed-in account (az login); a fresh token is asked for each command." };
        var deviceCode = new Option<bool>("--device-code") { Description = "Entra ID: sign in with a device code shown here (for machines without a browser)." };
        var browser = new Option<bool>("--browser") { Description = "Entra ID: sign in in a browser (the default without --dev)." };
        var authority = new Option<string?>("--authority")
        {
            HelpName = "url",
            Description = $"OpenID Connect authority (default: ${SignInSettings.AuthorityVariable}, else {SignInSettings.DefaultAuthority}); Entra: https://login.microsoftonline.com/<tenant>/v2.0.",
        };
        var clientId = new Option<string?>("--client-id") { HelpName = "id", Description = $"The CLI's client id (default: ${SignInSettings.ClientIdVariable}, else {SignInSettings.DefaultClientId})." };
        var scope = new Option<string?>("--scope") { Description = $"The host API's scope (default: ${SignInSettings.ScopeVariable}, else {SignInSettings.DefaultScope})." };
        var command = new Command("login", $"Sign in, as yourself, for the host's API; the token is kept in {StoredLogin.FilePath} (owner-only) until it expires.")
        {
            dev, azureCli, deviceCode, browser, authority, clientId, scope,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var methods = new[] { (result.GetValue(dev) is not null, "dev"), (result.GetValue(azureCli), AzureSignIn.AzureCli), (result.GetValue(deviceCode), AzureSignIn.DeviceCode), (result.GetValue(browser), AzureSignIn.Browser) }
                .Where(m => m.Item1).Select(m => m.Item2).ToList();
            if (methods.Count > 1)
            {
                context.Error.WriteLine($"agentops login: choose one way to sign in, not {string.Join(" and ", methods.Select(m => "--" + m))}");
                return ExitCodes.Failed;
            }

            var settings = SignInSettings.Resolve(result.GetValue(authority), result.GetValue(clientId), result.GetValue(scope), out var problem);
            if (settings is null)
            {
                context.Error.WriteLine($"agentops login: {problem}");
                return ExitCodes.Failed;
            }

            return await RunAsync(context, methods.SingleOrDefault() ?? AzureSignIn.Browser, result.GetValue(dev), settings, cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string method, string? person, SignInSettings settings, CancellationToken cancellationToken)
    {
        string token;
        DateTimeOffset expires;
        try
        {
            (token, expires) = method == "dev"
                ? await DevSignIn.SignInAsync(settings, person!, cancellationToken)
                : await AzureSignIn.SignInAsync(method, settings, context.Error, cancellationToken);
        }
        catch (SignInException ex)
        {
            context.Error.WriteLine($"agentops login: {ex.Message}");
            return ExitCodes.SignInRequired;
        }

        var claims = TokenClaims.Read(token);
        var login = new StoredLogin(method, settings.Authority.AbsoluteUri, settings.ClientId, settings.Scope,
            method == AzureSignIn.AzureCli ? null : token, claims.ExpiresOn ?? expires, claims.Name, claims.Upn);
        login.Save();
        context.Out.WriteLine($"signed in as {login.Who} for {claims.Audience ?? settings.Scope} until {login.ExpiresOn:u} ({method})");
        return ExitCodes.Ok;
    }
}

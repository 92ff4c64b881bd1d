using Azure.Core;

namespace DurableAgentOps.Cli.SignIn;

/// <summary>The token commands send to the host, or why there is none (not signed in, expired) with what to do.</summary>
internal static class CallerToken
{
    /// <summary>A token this close to its expiry is treated as expired: it would lapse on the way.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public static async Task<(string? Token, string? Problem)> GetAsync(TextWriter prompts, CancellationToken cancellationToken)
    {
        if (StoredLogin.Load() is not { } login)
        {
            return (null, "not signed in: run 'agentops login' (locally: 'agentops login --dev <person>')");
        }

        if (login.Method == AzureSignIn.AzureCli)
        {
            try
            {
                var settings = new SignInSettings(new Uri(login.Authority), login.ClientId, login.Scope);
                var token = await AzureSignIn.Credential(login.Method, settings, prompts).GetTokenAsync(new TokenRequestContext([login.Scope]), cancellationToken);
                return (token.Token, null);
            }
            catch (Exception ex) when (ex is Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
            {
                return (null, $"the Azure CLI gave no token for {login.Scope}: {ex.Message.Split('\n')[0]}; run 'az login', then 'agentops login --azure-cli'");
            }
        }

        if (login.AccessToken is not { Length: > 0 } stored || login.ExpiresOn is not { } expires)
        {
            return (null, "the stored sign-in is incomplete: run 'agentops login' again");
        }

        return expires - Margin <= DateTimeOffset.UtcNow
            ? (null, $"your sign-in as {login.Who} expired at {expires:u}: run 'agentops login' again")
            : (stored, null);
    }
}

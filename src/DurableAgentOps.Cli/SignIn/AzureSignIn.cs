using Azure.Core;
using Azure.Identity;

namespace DurableAgentOps.Cli.SignIn;

/// <summary>
/// Signs in to Microsoft Entra ID for the host API's scope with Azure.Identity: the Azure CLI's account, a device code,
/// or an interactive browser. The CLI's app registration (client id) must be a public client allowed that scope.
/// </summary>
internal static class AzureSignIn
{
    public const string AzureCli = "azure-cli";
    public const string DeviceCode = "device-code";
    public const string Browser = "browser";

    public static TokenCredential Credential(string method, SignInSettings settings, TextWriter prompts)
    {
        var tenant = TenantOf(settings.Authority);
        return method switch
        {
            AzureCli => new AzureCliCredential(new AzureCliCredentialOptions { TenantId = tenant }),
            DeviceCode => new DeviceCodeCredential(new DeviceCodeCredentialOptions
            {
                ClientId = settings.ClientId,
                TenantId = tenant,
                DeviceCodeCallback = (code, _) => prompts.WriteLineAsync(code.Message),
            }),
            _ => new InteractiveBrowserCredential(new InteractiveBrowserCredentialOptions { ClientId = settings.ClientId, TenantId = tenant }),
        };
    }

    public static async Task<(string AccessToken, DateTimeOffset ExpiresOn)> SignInAsync(
        string method, SignInSettings settings, TextWriter prompts, CancellationToken cancellationToken)
    {
        try
        {
            var token = await Credential(method, settings, prompts).GetTokenAsync(new TokenRequestContext([settings.Scope]), cancellationToken);
            return (token.Token, token.ExpiresOn);
        }
        catch (CredentialUnavailableException ex)
        {
            throw new SignInException($"{method} sign-in is unavailable here: {ex.Message.Split('\n')[0]}", ex);
        }
        catch (AuthenticationFailedException ex)
        {
            throw new SignInException($"Entra ID sign-in failed ({method}): {ex.Message.Split('\n')[0]}", ex);
        }
    }

    /// <summary>The tenant segment of an Entra authority (https://login.microsoftonline.com/{tenant}/v2.0), if any.</summary>
    private static string? TenantOf(Uri authority) =>
        authority.Segments.Select(s => s.Trim('/')).FirstOrDefault(s => s.Length > 0 && s != "v2.0");
}

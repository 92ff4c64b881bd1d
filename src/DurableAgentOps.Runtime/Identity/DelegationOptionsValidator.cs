using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>Checks <c>AgentOps:Delegation</c> at start: all or nothing, an https authority, a key that is a key.</summary>
internal sealed class DelegationOptionsValidator : IValidateOptions<DelegationOptions>
{
    public ValidateOptionsResult Validate(string? name, DelegationOptions options)
    {
        var given = new[] { options.Authority is not null, !string.IsNullOrWhiteSpace(options.ManagedIdentityClientId), !string.IsNullOrWhiteSpace(options.CacheKey) };
        if (!given.Any(g => g))
        {
            return ValidateOptionsResult.Success; // the host acts for nobody
        }

        var failures = new List<string>();
        if (options.Authority is not { IsAbsoluteUri: true, Scheme: "https" } authority || authority.UserInfo.Length > 0 || authority.Query.Length > 0)
        {
            failures.Add($"{DelegationOptions.Section}:Authority must be the sign-in authority's absolute https URL (e.g. https://login.microsoftonline.com/<tenant id>), with no user or query");
        }

        if (string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) || !Guid.TryParse(options.ManagedIdentityClientId, out _))
        {
            failures.Add($"{DelegationOptions.Section}:ManagedIdentityClientId must be the client id (a GUID) of the managed identity the acting app trusts as its federated credential");
        }

        if (options.Key is null)
        {
            failures.Add($"{DelegationOptions.Section}:CacheKey must be base64 of exactly 32 bytes (openssl rand -base64 32); its value is not shown");
        }

        if (!string.IsNullOrWhiteSpace(options.PreviousCacheKey) && options.PreviousKey is null)
        {
            failures.Add($"{DelegationOptions.Section}:PreviousCacheKey must be base64 of exactly 32 bytes (the CacheKey it replaced); its value is not shown");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

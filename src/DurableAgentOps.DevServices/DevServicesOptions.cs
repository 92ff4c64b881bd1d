using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices;

/// <summary>
/// Settings of the dev services (section <c>DevServices</c>; storage from <c>AzureWebJobsStorage</c>). Everything
/// here is for local use and tests only: the identity endpoint signs tokens for any catalogue identity.
/// </summary>
public sealed class DevServicesOptions
{
    public const string Section = "DevServices";

    /// <summary>Base URL the process is reached at; with a trailing slash it is the tokens' issuer.</summary>
    public Uri PublicUrl { get; set; } = new("http://127.0.0.1:7080");

    /// <summary>identities.yaml; when empty, workflows/identities.yaml is looked for above the working directory.</summary>
    public string? Catalogue { get; set; }

    /// <summary>The secret callers send in X-IDENTITY-HEADER (IDENTITY_HEADER); random per process when empty.</summary>
    public string? IdentityHeader { get; set; }

    /// <summary>Where to write the identity header for other local processes (never printed).</summary>
    public string? IdentityHeaderFile { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Audiences are this prefix plus a system name: api://durableagentops/crm.</summary>
    public string AudiencePrefix { get; set; } = "api://durableagentops/";

    /// <summary>Prefix of the sample systems' table names (devcrmaccounts, ...); tests may isolate with their own.</summary>
    public string TablePrefix { get; set; } = "dev";

    /// <summary>Azure Storage connection string of the sample systems' tables (bound from AzureWebJobsStorage).</summary>
    public string StorageConnectionString { get; set; } = "UseDevelopmentStorage=true";

    internal string Issuer => PublicUrl.AbsoluteUri.EndsWith('/') ? PublicUrl.AbsoluteUri : PublicUrl.AbsoluteUri + "/";

    internal string AudienceFor(string system) => AudiencePrefix + system;
}

/// <summary>Reports every bad setting at once, by its configuration name.</summary>
internal sealed class DevServicesOptionsValidator : IValidateOptions<DevServicesOptions>
{
    public ValidateOptionsResult Validate(string? name, DevServicesOptions options)
    {
        var failures = new List<string>();
        if (!options.PublicUrl.IsAbsoluteUri || options.PublicUrl.Scheme is not ("http" or "https"))
        {
            failures.Add($"{DevServicesOptions.Section}:PublicUrl must be an absolute http(s) URL, not '{options.PublicUrl}'");
        }

        if (options.TokenLifetime < TimeSpan.FromMinutes(1) || options.TokenLifetime > TimeSpan.FromDays(1))
        {
            failures.Add($"{DevServicesOptions.Section}:TokenLifetime must be between 00:01:00 and 1.00:00:00, not {options.TokenLifetime}");
        }

        if (string.IsNullOrEmpty(options.AudiencePrefix) || !options.AudiencePrefix.EndsWith('/'))
        {
            failures.Add($"{DevServicesOptions.Section}:AudiencePrefix must end with '/', not '{options.AudiencePrefix}'");
        }

        // Table names: letters and digits, starting with a letter; the longest suffix is 'financepurchaseorders' (21).
        if (options.TablePrefix.Length is < 1 or > 40 || !char.IsAsciiLetter(options.TablePrefix[0]) || !options.TablePrefix.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"{DevServicesOptions.Section}:TablePrefix must be 1-40 letters or digits starting with a letter, not '{options.TablePrefix}'");
        }

        if (options.IdentityHeader is { Length: < 16 })
        {
            failures.Add($"{DevServicesOptions.Section}:IdentityHeader must be at least 16 characters");
        }

        if (string.IsNullOrWhiteSpace(options.StorageConnectionString))
        {
            failures.Add("AzureWebJobsStorage must be a storage connection string");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

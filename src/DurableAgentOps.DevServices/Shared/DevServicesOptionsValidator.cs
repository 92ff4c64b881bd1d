using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Shared;

/// <summary>Reports every bad setting at once, by its configuration name.</summary>
internal sealed class DevServicesOptionsValidator : IValidateOptions<DevServicesOptions>
{
    private const string Section = DevServicesOptions.Section;

    public ValidateOptionsResult Validate(string? name, DevServicesOptions options)
    {
        var failures = new List<string>();
        if (!options.PublicUrl.IsAbsoluteUri || options.PublicUrl.Scheme is not ("http" or "https"))
        {
            failures.Add($"{Section}:PublicUrl must be an absolute http(s) URL, not '{options.PublicUrl}'");
        }

        CheckLifetime(failures, $"{Section}:TokenLifetime", options.TokenLifetime);
        CheckLifetime(failures, $"{Section}:SignIn:TokenLifetime", options.SignIn.TokenLifetime);
        CheckLifetime(failures, $"{Section}:SignIn:DelegatedTokenLifetime", options.SignIn.DelegatedTokenLifetime);
        if (options.SignIn.RefreshTokenLifetime < TimeSpan.FromMinutes(1) || options.SignIn.RefreshTokenLifetime > TimeSpan.FromDays(365))
        {
            failures.Add($"{Section}:SignIn:RefreshTokenLifetime must be between 00:01:00 and 365.00:00:00, not {options.SignIn.RefreshTokenLifetime}");
        }

        if (options.TlsPort is < 0 or > 65535)
        {
            failures.Add($"{Section}:TlsPort must be 0 (no HTTPS listener) or a port 1-65535, not {options.TlsPort}");
        }

        if (string.IsNullOrEmpty(options.AudiencePrefix) || !options.AudiencePrefix.EndsWith('/'))
        {
            failures.Add($"{Section}:AudiencePrefix must end with '/', not '{options.AudiencePrefix}'");
        }

        // Table names: letters and digits, starting with a letter; the longest suffix is 'financepurchaseorders' (21).
        if (options.TablePrefix.Length is < 1 or > 40 || !char.IsAsciiLetter(options.TablePrefix[0]) || !options.TablePrefix.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"{Section}:TablePrefix must be 1-40 letters or digits starting with a letter, not '{options.TablePrefix}'");
        }

        if (options.IdentityHeader is { Length: < 16 })
        {
            failures.Add($"{Section}:IdentityHeader must be at least 16 characters");
        }

        if (options.WriterIdentityHeader is { Length: < 16 })
        {
            failures.Add($"{Section}:WriterIdentityHeader must be at least 16 characters");
        }
        else if (options.WriterIdentityHeader is { Length: > 0 } writer && writer == options.IdentityHeader)
        {
            failures.Add($"{Section}:WriterIdentityHeader must differ from {Section}:IdentityHeader: each app has its own");
        }

        if (options.DirectoryReaderClientIds.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{Section}:DirectoryReaderClientIds must not hold an empty client id");
        }

        if (StorageProblem(options.StorageConnectionString) is { } storage)
        {
            failures.Add($"AzureWebJobsStorage {storage}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckLifetime(List<string> failures, string setting, TimeSpan lifetime)
    {
        if (lifetime < TimeSpan.FromMinutes(1) || lifetime > TimeSpan.FromDays(1))
        {
            failures.Add($"{setting} must be between 00:01:00 and 1.00:00:00, not {lifetime}");
        }
    }

    /// <summary>
    /// Parsing the connection string needs no network, so a malformed one is a setting error. The parser's own
    /// messages can quote parts of the string (a pasted key becomes a 'keyword'), so none of it is repeated.
    /// </summary>
    private static string? StorageProblem(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "must be a storage connection string";
        }

        try
        {
            _ = new TableServiceClient(connectionString);
            return null;
        }
        catch (FormatException)
        {
            return "is not a valid storage connection string: its AccountKey is not base64";
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return "is not a valid storage connection string: use UseDevelopmentStorage=true or "
                + "DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...;TableEndpoint=...";
        }
    }
}

using DurableAgentOps.Runtime.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>The storage settings the product's stores read (<c>AzureWebJobsStorage</c> and the store prefix), checked when the host starts.</summary>
internal sealed class StorageSettings
{
    /// <summary>The connection the stores use: the one Durable Functions' host uses for the task hub.</summary>
    public const string ConnectionName = "AzureWebJobsStorage";
}

/// <summary>
/// Refuses at start a storage connection that cannot be read or a prefix that cannot name tables, on both hosts, so
/// the first run does not find out.
/// </summary>
internal sealed class StorageSettingsValidator(IConfiguration configuration) : IValidateOptions<StorageSettings>
{
    public ValidateOptionsResult Validate(string? name, StorageSettings options)
    {
        var failures = new List<string>();
        try
        {
            _ = StorageConnection.FromConfiguration(configuration, StorageSettings.ConnectionName);
        }
        catch (StorageSettingException ex)
        {
            failures.Add(ex.Message);
        }

        if (GovernanceStorage.PrefixProblem(GovernanceStorage.PrefixOf(configuration)) is { } prefix)
        {
            failures.Add(prefix);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// Stops start-up on a setting the engine would reject later (or, worse, accept and misbehave on), naming the
/// host.json path of the setting and the values it allows.
/// </summary>
internal sealed partial class DurableEngineOptionsValidator : IValidateOptions<DurableEngineOptions>
{
    private const string Prefix = "host.json extensions.durableTask.";

    // The provider's partition lease lasts 30 s and is renewed every 10 s: an operation may take the 20 s between.
    private static readonly TimeSpan MaxPartitionTableOperationTimeout = TimeSpan.FromSeconds(20);

    public ValidateOptionsResult Validate(string? name, DurableEngineOptions options)
    {
        var errors = new List<string>();
        var storage = options.StorageProvider;

        if (!HubNamePattern().IsMatch(options.HubName ?? string.Empty))
        {
            errors.Add($"{Prefix}hubName '{options.HubName}' is not a valid task hub name for Azure Storage: " +
                "use 3 to 45 letters and digits, starting with a letter (for example 'DurableAgentOps').");
        }

        if (!string.Equals(storage.Type, StorageProviderOptions.AzureStorageType, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Prefix}storageProvider.type '{storage.Type}' is not supported: " +
                $"allowed values are '{StorageProviderOptions.AzureStorageType}'.");
        }

        if (string.IsNullOrWhiteSpace(storage.EffectiveConnectionName))
        {
            errors.Add($"{Prefix}storageProvider.connectionName must name a connection setting (default 'AzureWebJobsStorage').");
        }

        if (storage.PartitionCount is < 1 or > 16)
        {
            errors.Add($"{Prefix}storageProvider.partitionCount {storage.PartitionCount} is out of range: allowed values are 1 to 16.");
        }

        if (storage.MaxQueuePollingInterval < TimeSpan.FromMilliseconds(50))
        {
            errors.Add($"{Prefix}storageProvider.maxQueuePollingInterval {storage.MaxQueuePollingInterval} is too small: " +
                "allowed values are 00:00:00.050 or more (the provider's polling floor).");
        }

        foreach (var (setting, value) in new[]
        {
            ("controlQueueVisibilityTimeout", storage.ControlQueueVisibilityTimeout),
            ("workItemQueueVisibilityTimeout", storage.WorkItemQueueVisibilityTimeout),
        })
        {
            if (value < TimeSpan.FromSeconds(1))
            {
                errors.Add($"{Prefix}storageProvider.{setting} {value} is too small: allowed values are 00:00:01 or more (default 00:05:00).");
            }
        }

        if (storage.PartitionTableOperationTimeout < TimeSpan.FromSeconds(1) || storage.PartitionTableOperationTimeout > MaxPartitionTableOperationTimeout)
        {
            errors.Add($"{Prefix}storageProvider.partitionTableOperationTimeout {storage.PartitionTableOperationTimeout} is out of range: " +
                $"allowed values are 00:00:01 to {MaxPartitionTableOperationTimeout:c} (default 00:00:02), so a partition lease of 30 s, " +
                "renewed every 10 s, is renewed before it lapses.");
        }

        RequirePositive(errors, "storageProvider.controlQueueBatchSize", storage.ControlQueueBatchSize, 32);
        RequirePositive(errors, "storageProvider.controlQueueBufferThreshold", storage.ControlQueueBufferThreshold, 256);
        RequirePositive(errors, "maxConcurrentActivityFunctions", options.MaxConcurrentActivityFunctions, 10);
        RequirePositive(errors, "maxConcurrentOrchestratorFunctions", options.MaxConcurrentOrchestratorFunctions, 100);
        RequirePositive(errors, "extendedSessionIdleTimeoutInSeconds", options.ExtendedSessionIdleTimeoutInSeconds, 30);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequirePositive(List<string> errors, string setting, int value, int typical)
    {
        if (value < 1)
        {
            errors.Add($"{Prefix}{setting} {value} is invalid: allowed values are whole numbers of 1 or more (default {typical}).");
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex HubNamePattern();
}

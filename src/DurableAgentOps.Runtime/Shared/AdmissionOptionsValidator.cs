using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>Refuses admission settings that cannot work, naming the setting and the range it takes.</summary>
internal sealed class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>
{
    public const int MaxSlots = 1000;

    public ValidateOptionsResult Validate(string? name, AdmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.MaxActiveRuns is < 0 or > MaxSlots)
        {
            problems.Add($"{AdmissionOptions.Section}:MaxActiveRuns is {options.MaxActiveRuns}; it takes 0 (no limit) to {MaxSlots}.");
        }

        if (options.SlotLease < TimeSpan.FromMinutes(1) || options.SlotLease > TimeSpan.FromDays(1))
        {
            problems.Add($"{AdmissionOptions.Section}:SlotLease is {options.SlotLease}; it takes 00:01:00 to 1.00:00:00.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

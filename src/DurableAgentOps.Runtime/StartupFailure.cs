using DurableAgentOps.Runtime.Engine;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime;

/// <summary>
/// What stops a host at start-up that its operator must fix, in one line per problem: bad settings (exit code 2) and
/// unreachable storage (3). Both hosts print these instead of a stack trace.
/// </summary>
public static class StartupFailure
{
    public const int BadSetting = 2;
    public const int StorageUnreachable = 3;

    /// <summary>The problems and exit code of an operator's failure, or null for anything else (a bug: let it surface).</summary>
    public static (IReadOnlyList<string> Problems, int ExitCode)? Describe(Exception exception) => exception switch
    {
        StorageUnreachableException unreachable => ([unreachable.Message], StorageUnreachable),
        OptionsValidationException invalid => (invalid.Failures.ToList(), BadSetting),
        AggregateException many when many.Flatten().InnerExceptions.All(e => Describe(e) is not null) =>
            ([.. many.Flatten().InnerExceptions.SelectMany(e => Describe(e)!.Value.Problems)],
             many.Flatten().InnerExceptions.Max(e => Describe(e)!.Value.ExitCode)),
        StorageSettingException or FileNotFoundException => ([exception.Message], BadSetting),
        InvalidOperationException { InnerException: FormatException or StorageSettingException } => ([exception.Message], BadSetting),
        _ => null,
    };
}

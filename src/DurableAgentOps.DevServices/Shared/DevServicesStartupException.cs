namespace DurableAgentOps.DevServices.Shared;

/// <summary>
/// A setting, a file (catalogue, dev directory) or storage keeps the dev services from starting; the message says
/// which, and <see cref="ExitCode"/> is what the process exits with.
/// </summary>
public sealed class DevServicesStartupException : Exception
{
    /// <summary>Exit code of a problem the operator fixes in settings or files.</summary>
    public const int ConfigurationExitCode = 2;

    /// <summary>Exit code of a service the dev services need that does not answer (storage).</summary>
    public const int UnreachableExitCode = 3;

    public DevServicesStartupException()
    {
    }

    public DevServicesStartupException(string message)
        : base(message)
    {
    }

    public DevServicesStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary><see cref="UnreachableExitCode"/> unless the thrower says it is configuration.</summary>
    public int ExitCode { get; init; } = UnreachableExitCode;

    internal static DevServicesStartupException Configuration(string message) => new(message) { ExitCode = ConfigurationExitCode };
}

namespace DurableAgentOps.Runtime.Shared;

/// <summary>Settings of governed runs.</summary>
public sealed class AgentOpsRunOptions
{
    public const string Section = "AgentOps";

    /// <summary>Which <c>clientIds</c> entry of identities.yaml steps use: <c>local</c> or an Azure environment.</summary>
    public string Environment { get; set; } = "local";

    /// <summary>
    /// Off only to show that the target systems enforce scope on their own (tests, demos): refused at start unless the
    /// host's environment is Development. While it is off the host logs a warning at every call, and each run it starts
    /// records it (its status, its run-start evidence record).
    /// </summary>
    public bool ScopeGuardEnabled { get; set; } = true;
}

namespace DurableAgentOps.Runtime.Shared;

/// <summary>Settings of governed runs.</summary>
public sealed class AgentOpsRunOptions
{
    public const string Section = "AgentOps";

    /// <summary>Which <c>clientIds</c> entry of identities.yaml steps use: <c>local</c> or an Azure environment.</summary>
    public string Environment { get; set; } = "local";

    /// <summary>
    /// Off only to show that the target systems enforce scope on their own (tests, demos). Never off in production:
    /// the host logs a warning at every step while it is.
    /// </summary>
    public bool ScopeGuardEnabled { get; set; } = true;

    /// <summary>
    /// Test hook (named as such): the id of a write step after whose first committed write this process kills itself,
    /// to prove a write is applied once when a host dies before the activity's result is saved.
    /// </summary>
    public string? TestKillAfterWriteStep { get; set; }
}

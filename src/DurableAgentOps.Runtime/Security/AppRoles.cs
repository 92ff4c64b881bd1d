namespace DurableAgentOps.Runtime.Security;

/// <summary>
/// The host's app roles: Entra app roles of the host's app registration (the token's <c>roles</c> claim), or the dev
/// directory's roles locally. Approving needs no role: the gate names its approvers.
/// </summary>
public static class AppRoles
{
    /// <summary>May start runs (of workflows whose <c>starters</c> also name them, when a workflow names any).</summary>
    public const string Starter = "AgentOps.Starter";

    /// <summary>May read every run's status.</summary>
    public const string Reader = "AgentOps.Reader";

    /// <summary>May use the instance API (list, raise events, suspend, terminate, purge).</summary>
    public const string Administrator = "AgentOps.Administrator";
}

namespace DurableAgentOps.Core.Governance;

/// <summary>
/// What a host says of itself (<c>GET /api/host</c>): its environment, the identities environment its steps take client
/// ids from, and whether it enforces the scope guard and keeps evidence. <c>agentops explain --host</c> marks the lines
/// a host does not enforce by it.
/// </summary>
/// <param name="Environment">The host's environment (ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT, AZURE_FUNCTIONS_ENVIRONMENT on Functions).</param>
/// <param name="Development">Whether that is Development: only then may a switch be off.</param>
/// <param name="IdentitiesEnvironment">Which <c>clientIds</c> entry of identities.yaml steps use (<c>AgentOps:Environment</c>).</param>
/// <param name="ScopeGuard">Whether the scope guard checks each call.</param>
/// <param name="Evidence">Whether runs keep evidence.</param>
/// <param name="SeparateWriter">
/// Whether this host hands the write steps of separate-writer workflows to a writer (<c>AgentOps:Writer:Url</c>); without
/// one it refuses them.
/// </param>
/// <param name="ActsForPeople">
/// Whether this host can act for the person who starts a run (<c>AgentOps:Delegation</c>, on-behalf-of); without it it
/// refuses to start workflows with delegated steps.
/// </param>
public sealed record HostGovernance(
    string Environment, bool Development, string IdentitiesEnvironment, bool ScopeGuard, bool Evidence, bool SeparateWriter = false, bool ActsForPeople = false)
{
    /// <summary>The switches that are off, by their recorded names; empty when the host enforces everything.</summary>
    public IReadOnlyList<string> GovernanceOff =>
        new[] { (On: ScopeGuard, Name: GovernanceSwitches.ScopeGuard), (On: Evidence, Name: GovernanceSwitches.Evidence) }.Where(s => !s.On).Select(s => s.Name).ToList();
}

using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Governance;
using Microsoft.AspNetCore.Mvc;

namespace DurableAgentOps.Api.Governance;

/// <summary>
/// What this host is: its environment, the identities environment its steps take client ids from, and which governance
/// it enforces (the scope guard, evidence). Any verified caller may ask: people deciding whether to trust a run, and
/// <c>agentops explain --host</c>, which marks the lines this host does not enforce.
/// </summary>
internal static class HostEndpoints
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("GetHost", "GET", "/api/host", AgentOpsPolicies.Caller, Get, new GuardedAction("reading the host's settings")),
    ];

    /// <summary><c>GET /api/host</c>: <c>{environment, development, identitiesEnvironment, scopeGuard, evidence, governanceOff}</c>.</summary>
    private static IResult Get([FromServices] HostGovernance host) => ApiResults.Json(host);
}

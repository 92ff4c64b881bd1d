using DurableAgentOps.Api.Approvals;
using DurableAgentOps.Api.Evidence;
using DurableAgentOps.Api.Governance;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Replay;
using DurableAgentOps.Api.Runs;
using DurableAgentOps.Api.Systems;

namespace DurableAgentOps.Api;

/// <summary>
/// Every endpoint both hosts serve, in one list: the standalone host maps it with <see cref="MapAgentOpsApi"/>, the
/// Functions app invokes it by name with <see cref="EndpointInvoker"/>, and tests check the two against each other and
/// against the docs.
/// </summary>
public static class AgentOpsApiEndpoints
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
        [.. RunEndpoints.All, .. HostEndpoints.All, .. EvidenceEndpoints.All, .. TimelinePage.All, .. ReplayEndpoints.All, .. ApprovalPage.All, .. RunPage.All, .. SystemEndpoints.All];

    public static ApiEndpoint Named(string name) =>
        All.FirstOrDefault(e => e.Name == name) ?? throw new ArgumentException($"no endpoint is named '{name}'", nameof(name));

    /// <summary>Maps every endpoint with its route, method and policy (or, without one, open to anyone: the page checks its link).</summary>
    public static IEndpointRouteBuilder MapAgentOpsApi(this IEndpointRouteBuilder app) => app.MapApiEndpoints(All);
}

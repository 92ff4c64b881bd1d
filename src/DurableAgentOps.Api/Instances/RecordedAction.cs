using System.Security.Claims;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Api.Instances;

/// <summary>An action on a governed run that goes into its evidence: which, by whom (the verified caller), and the service that records it.</summary>
internal sealed record RecordedAction(string Action, ClaimsPrincipal User, RunAdministration Admin);

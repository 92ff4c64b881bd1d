using System.Text.Json.Nodes;
using DurableAgentOps.Core.Routing;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>A route step: deterministic rules over the data choose a queue or a gate; it calls no system.</summary>
public sealed class RouteStepActivity(WorkerInfo worker, CarriedEvidence carried, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<RouteStepActivity> logger)
    : StepActivityBase(worker, carried, clientIds, options, logger)
{
    public const string Name = nameof(RouteStepActivity);

    protected override Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        var decision = Router.Choose(input.Step, input.Data);
        var output = new JsonObject { ["to"] = decision.To, ["gate"] = decision.Gate, ["matchedWhen"] = decision.MatchedWhen };
        return Task.FromResult<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)>((output, [], [], null));
    }
}

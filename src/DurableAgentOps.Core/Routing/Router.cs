using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Routing;

/// <summary>The route a route step took: where the work goes, the gate it names (if any), and the condition that matched (null for the default).</summary>
public sealed record RouteDecision(string To, string? Gate, string? MatchedWhen);

/// <summary>Chooses a route step's route: deterministic, from the definition and the run's data only, so replay takes the same route.</summary>
public static class Router
{
    /// <summary>The first route whose <c>when</c> holds (or that has none) wins.</summary>
    /// <exception cref="InvalidOperationException">No route matches; the message names the step.</exception>
    public static RouteDecision Choose(StepDefinition routeStep, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(routeStep);
        ArgumentNullException.ThrowIfNull(data);
        if (routeStep.Kind != StepKind.Route)
        {
            throw new ArgumentException($"step '{routeStep.Id}' is a {routeStep.Kind.ToString().ToLowerInvariant()} step, not a route step", nameof(routeStep));
        }

        var route = routeStep.Routes.FirstOrDefault(r => r.When is null || ConditionEvaluator.Evaluate(r.When, data))
            ?? throw new InvalidOperationException(
                $"route step '{routeStep.Id}': no route matches and there is no default route (conditions: {string.Join("; ", routeStep.Routes.Select(r => r.When))})");
        return new RouteDecision(route.To, route.Gate, route.When);
    }
}

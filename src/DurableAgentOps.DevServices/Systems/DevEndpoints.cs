using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>Dev-only endpoints (no authentication): the request log and fault injection, for tests and the demo.</summary>
internal static class DevEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var dev = endpoints.MapGroup("/_dev");
        dev.MapGet("/requests", (string? system, RequestLog log) => Results.Json(log.Snapshot(system), DevJson.Options));
        dev.MapDelete("/requests", (RequestLog log) =>
        {
            log.Clear();
            return Results.NoContent();
        });
        dev.MapGet("/faults", (FaultInjector faults) => Results.Json(faults.Snapshot(), DevJson.Options));
        dev.MapPost("/faults", (FaultRule rule, FaultInjector faults) =>
        {
            if (FaultInjector.Problem(rule) is { } problem)
            {
                return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request", ["reason"] = problem }, DevJson.Options, statusCode: StatusCodes.Status400BadRequest);
            }

            faults.Add(rule);
            return Results.Json(faults.Snapshot(), DevJson.Options, statusCode: StatusCodes.Status201Created);
        });
        dev.MapDelete("/faults", (FaultInjector faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });
    }
}

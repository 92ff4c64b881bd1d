using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Api.Instances;

/// <summary>
/// The instance management API, with Durable Functions' routes and payload names, so scripts written for a
/// Functions deployment work against the standalone host too. Administrators only (the app role, or the system key
/// as Durable Functions requires its system key); governed runs start only through the run API.
/// </summary>
public static class InstanceApi
{
    /// <summary>Largest event payload raiseEvent takes; larger ones would spill into blobs and slow the hub.</summary>
    public const int MaxEventBytes = 16 * 1024;

    /// <summary>Ignored events after which a governed run takes no more through this API.</summary>
    public const int MaxIgnoredEvents = 50;

    /// <summary>Longest reason text for terminate, suspend and resume.</summary>
    public const int MaxReasonLength = 500;

    private const string Instances = "/runtime/webhooks/durabletask/instances";

    /// <summary>The standalone host's instance API (the Functions app has the Durable extension's own) and its health probe.</summary>
    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Health).AllowAnonymous();
        var admin = app.MapGroup(string.Empty).RequireAuthorization(AgentOpsPolicies.Administrator)
            .WithMetadata(new GuardedAction("The instance API")).AddEndpointFilter(RefuseBadInstanceId);
        admin.MapGet(Instances, List);
        admin.MapGet(Instances + "/{instanceId}", Get);
        admin.MapPost(Instances + "/{instanceId}/raiseEvent/{eventName}", RaiseEvent);
        admin.MapPost(Instances + "/{instanceId}/terminate", (string instanceId, string? reason, DurableTaskClient client, CancellationToken ct) =>
            Control(instanceId, reason, client, ct, c => c.TerminateInstanceAsync(instanceId, reason, ct)));
        admin.MapPost(Instances + "/{instanceId}/suspend", (string instanceId, string? reason, DurableTaskClient client, CancellationToken ct) =>
            Control(instanceId, reason, client, ct, c => c.SuspendInstanceAsync(instanceId, reason, ct)));
        admin.MapPost(Instances + "/{instanceId}/resume", (string instanceId, string? reason, DurableTaskClient client, CancellationToken ct) =>
            Control(instanceId, reason, client, ct, c => c.ResumeInstanceAsync(instanceId, reason, ct)));
        admin.MapDelete(Instances + "/{instanceId}", Purge);
        return app;
    }

    /// <summary>400 for an instance id that ids never are, before it reaches storage keys.</summary>
    private static async ValueTask<object?> RefuseBadInstanceId(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.Request.RouteValues.TryGetValue("instanceId", out var id) && id is string instanceId
            && ApiResults.InvalidId(instanceId, "instanceId") is { } invalid
            ? invalid
            : await next(context);

    private static async Task<IResult> Health(DurableEngine engine, CancellationToken ct)
    {
        if (!engine.IsRunning)
        {
            return Results.Json(new { status = "unhealthy", worker = "stopped", hub = engine.HubName }, statusCode: 503);
        }

        try
        {
            await engine.ProbeStorageAsync(ct);
            return Results.Json(new { status = "healthy", worker = "running", storage = "reachable", hub = engine.HubName, workerId = engine.WorkerId });
        }
        catch (StorageUnreachableException ex)
        {
            return Results.Json(new { status = "unhealthy", worker = "running", storage = ex.Message, hub = engine.HubName }, statusCode: 503);
        }
    }

    private static async Task<IResult> Get(string instanceId, bool? showInput, bool? showHistory, DurableTaskClient client, CancellationToken ct)
    {
        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: showInput ?? true, ct);
        if (metadata is null)
        {
            return NotFound(instanceId);
        }

        var history = showHistory == true
            ? (await client.GetOrchestrationHistoryAsync(instanceId, ct)).Select(e => new { eventType = e.EventType.ToString(), e.EventId, e.Timestamp })
            : null;
        return Results.Json(ToStatus(metadata, history));
    }

    private static async Task<IResult> List(
        HttpContext http, string? runtimeStatus, DateTimeOffset? createdTimeFrom, DateTimeOffset? createdTimeTo, string? instanceIdPrefix,
        int? top, bool? showInput, DurableTaskClient client, CancellationToken ct)
    {
        if (top is < 1 or > 1000)
        {
            return Problem(400, "Invalid top.", $"top must be between 1 and 1000, not {top}.");
        }

        OrchestrationRuntimeStatus[]? statuses;
        try
        {
            statuses = runtimeStatus?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => Enum.Parse<OrchestrationRuntimeStatus>(s, ignoreCase: true)).ToArray();
        }
        catch (ArgumentException)
        {
            return Problem(400, "Invalid runtimeStatus.",
                $"runtimeStatus '{runtimeStatus}' must be a comma-separated list of: {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}.");
        }

        var query = new OrchestrationQuery
        {
            CreatedFrom = createdTimeFrom,
            CreatedTo = createdTimeTo,
            Statuses = statuses,
            InstanceIdPrefix = instanceIdPrefix,
            PageSize = top ?? 100,
            FetchInputsAndOutputs = showInput ?? false,
            ContinuationToken = http.Request.Headers["x-ms-continuation-token"].FirstOrDefault(),
        };
        await foreach (var page in client.GetAllInstancesAsync(query).AsPages(query.ContinuationToken, query.PageSize).WithCancellation(ct))
        {
            if (page.ContinuationToken is { Length: > 0 } next)
            {
                http.Response.Headers["x-ms-continuation-token"] = next;
            }

            return Results.Json(page.Values.Select(m => ToStatus(m, null)));
        }

        return Results.Json(Array.Empty<object>());
    }

    private static async Task<IResult> RaiseEvent(string instanceId, string eventName, HttpRequest request, DurableTaskClient client, CancellationToken ct)
    {
        if (ApiResults.InvalidId(eventName, "eventName") is { } badName)
        {
            return badName;
        }

        // A governed run hears only 'approval', and counts only recorded decisions; events it never reads, or a flood
        // it ignores, would only grow its history and slow its replays.
        if (await client.GetInstanceAsync(instanceId, ct) is { Name: AgentWorkflowOrchestrator.Name } governed)
        {
            if (eventName != AgentWorkflowOrchestrator.ApprovalEvent)
            {
                return Problem(400, "Governed runs hear only 'approval'.", $"Run '{instanceId}' waits for no '{Bounded(eventName)}' event; it listens only for '{AgentWorkflowOrchestrator.ApprovalEvent}'.");
            }

            if (governed.ReadCustomStatusAs<RunProgress>() is { IgnoredEvents: >= MaxIgnoredEvents } progress)
            {
                return Problem(429, "This run ignores events.", $"Run '{instanceId}' has ignored {progress.IgnoredEvents} events; it takes no more through this API. Decisions are made through the run API.");
            }
        }

        if (request.ContentLength > MaxEventBytes)
        {
            return Problem(413, "Event payload too large.", $"An event payload may be at most {MaxEventBytes} bytes.");
        }

        var (payload, invalid) = await JsonBody.ReadAsync<JsonNode>(request, ct, optional: true);
        if (invalid is null && payload is not null && payload.ToJsonString().Length > MaxEventBytes)
        {
            invalid = Problem(413, "Event payload too large.", $"An event payload may be at most {MaxEventBytes} bytes.");
        }

        return invalid ?? await Control(instanceId, null, client, ct, c => c.RaiseEventAsync(instanceId, eventName, payload, ct));
    }

    private static async Task<IResult> Control(string instanceId, string? reason, DurableTaskClient client, CancellationToken ct, Func<DurableTaskClient, Task> action)
    {
        if (reason is { Length: > MaxReasonLength })
        {
            return Problem(400, "The reason is too long.", $"'reason' is {reason.Length} characters; the limit is {MaxReasonLength}.");
        }

        var metadata = await client.GetInstanceAsync(instanceId, ct);
        if (metadata is null)
        {
            return NotFound(instanceId);
        }

        if (metadata.IsCompleted)
        {
            return Problem(410, "The instance has finished.", $"Instance '{instanceId}' is {metadata.RuntimeStatus}; it no longer accepts events or control.");
        }

        await action(client);
        return Results.Accepted();
    }

    private static async Task<IResult> Purge(string instanceId, DurableTaskClient client, CancellationToken ct)
    {
        try
        {
            var result = await client.PurgeInstanceAsync(instanceId, ct);
            return result.PurgedInstanceCount == 0 ? NotFound(instanceId) : Results.Json(new { instancesDeleted = result.PurgedInstanceCount });
        }
        catch (InvalidOperationException ex)
        {
            return Problem(409, "The instance is still running.", ex.Message);
        }
    }

    private static object ToStatus(OrchestrationMetadata m, object? history) => new
    {
        name = m.Name,
        instanceId = m.InstanceId,
        runtimeStatus = m.RuntimeStatus.ToString(),
        input = Parse(m.SerializedInput),
        customStatus = Parse(m.SerializedCustomStatus),
        output = Parse(m.SerializedOutput),
        failureDetails = m.FailureDetails is null ? null : new { m.FailureDetails.ErrorType, m.FailureDetails.ErrorMessage },
        createdTime = m.CreatedAt,
        lastUpdatedTime = m.LastUpdatedAt,
        historyEvents = history,
    };

    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(json).RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }

    private static string Bounded(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static IResult NotFound(string instanceId) => Problem(404, "No such instance.", $"No orchestration instance has id '{instanceId}'.");

    private static IResult Problem(int status, string title, string detail) => Results.Problem(detail, statusCode: status, title: title);
}

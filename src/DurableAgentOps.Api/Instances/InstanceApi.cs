using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Mvc;
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

    private static readonly GuardedAction Guarded = new("The instance API");

    /// <summary>
    /// The standalone host's own endpoints: its health probe and the instance API (the Functions app has the Durable
    /// extension's, behind the Functions host's system key).
    /// </summary>
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("Health", "GET", "/healthz", null, Health),
        new("ListInstances", "GET", Instances, AgentOpsPolicies.Administrator, List, Guarded),
        new("GetInstance", "GET", Instances + "/{instanceId}", AgentOpsPolicies.Administrator, Get, Guarded),
        new("RaiseEvent", "POST", Instances + "/{instanceId}/raiseEvent/{eventName}", AgentOpsPolicies.Administrator, RaiseEvent, Guarded),
        new("TerminateInstance", "POST", Instances + "/{instanceId}/terminate", AgentOpsPolicies.Administrator,
            (string instanceId, string? reason, [FromServices] DurableTaskClient client, CancellationToken ct) =>
                Control(instanceId, reason, client, ct, c => c.TerminateInstanceAsync(instanceId, reason, ct)), Guarded),
        new("SuspendInstance", "POST", Instances + "/{instanceId}/suspend", AgentOpsPolicies.Administrator,
            (string instanceId, string? reason, [FromServices] DurableTaskClient client, CancellationToken ct) =>
                Control(instanceId, reason, client, ct, c => c.SuspendInstanceAsync(instanceId, reason, ct)), Guarded),
        new("ResumeInstance", "POST", Instances + "/{instanceId}/resume", AgentOpsPolicies.Administrator,
            (string instanceId, string? reason, [FromServices] DurableTaskClient client, CancellationToken ct) =>
                Control(instanceId, reason, client, ct, c => c.ResumeInstanceAsync(instanceId, reason, ct)), Guarded),
        new("PurgeInstance", "DELETE", Instances + "/{instanceId}", AgentOpsPolicies.Administrator, Purge, Guarded),
    ];

    /// <summary>Maps <see cref="All"/> (the standalone host only).</summary>
    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder app) => app.MapApiEndpoints(All);

    private static async Task<IResult> Health([FromServices] DurableEngine engine, CancellationToken ct)
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

    private static async Task<IResult> Get(string instanceId, bool? showInput, bool? showHistory, [FromServices] DurableTaskClient client, CancellationToken ct)
    {
        if (ApiResults.InvalidId(instanceId, "instanceId") is { } invalid)
        {
            return invalid;
        }

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
        int? top, bool? showInput, [FromServices] DurableTaskClient client, CancellationToken ct)
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

    private static async Task<IResult> RaiseEvent(
        string instanceId, string eventName, HttpRequest request, [FromServices] DurableTaskClient client, CancellationToken ct)
    {
        if ((ApiResults.InvalidId(instanceId, "instanceId") ?? ApiResults.InvalidId(eventName, "eventName")) is { } badName)
        {
            return badName;
        }

        // A governed run hears only 'approval' and 'resume', and counts only what the run API recorded; events it never reads, or a flood
        // it ignores, would only grow its history and slow its replays.
        if (await client.GetInstanceAsync(instanceId, ct) is { Name: AgentWorkflowOrchestrator.Name } governed)
        {
            if (eventName is not (AgentWorkflowOrchestrator.ApprovalEvent or AgentWorkflowOrchestrator.ResumeEvent))
            {
                return Problem(400, "Governed runs hear only 'approval' and 'resume'.",
                    $"Run '{instanceId}' waits for no '{Bounded(eventName)}' event; it listens only for '{AgentWorkflowOrchestrator.ApprovalEvent}' and '{AgentWorkflowOrchestrator.ResumeEvent}' (each counts only what the run API recorded).");
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
        if (ApiResults.InvalidId(instanceId, "instanceId") is { } invalid)
        {
            return invalid;
        }

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

    private static async Task<IResult> Purge(string instanceId, [FromServices] DurableTaskClient client, CancellationToken ct)
    {
        if (ApiResults.InvalidId(instanceId, "instanceId") is { } invalid)
        {
            return invalid;
        }

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

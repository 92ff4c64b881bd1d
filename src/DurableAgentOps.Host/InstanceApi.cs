using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Host;

/// <summary>
/// The instance management API, with Durable Functions' routes and payload names, so scripts written for a
/// Functions deployment work against the standalone host too.
/// </summary>
internal static class InstanceApi
{
    private const string Instances = "/runtime/webhooks/durabletask/instances";

    public static void MapAgentOpsApi(this WebApplication app)
    {
        app.MapGet("/healthz", Health);
        app.MapRunApi();
        app.MapPost("/api/orchestrators/{name}/{instanceId?}", Start);
        app.MapGet(Instances, List);
        app.MapGet(Instances + "/{instanceId}", Get);
        app.MapPost(Instances + "/{instanceId}/raiseEvent/{eventName}", RaiseEvent);
        app.MapPost(Instances + "/{instanceId}/terminate", (string instanceId, string? reason, DurableTaskClient client, CancellationToken ct) =>
            Control(instanceId, client, ct, c => c.TerminateInstanceAsync(instanceId, reason, ct)));
        app.MapPost(Instances + "/{instanceId}/suspend", (string instanceId, string? reason, DurableTaskClient client, CancellationToken ct) =>
            Control(instanceId, client, ct, c => c.SuspendInstanceAsync(instanceId, reason, ct)));
        app.MapPost(Instances + "/{instanceId}/resume", (string instanceId, string? reason, DurableTaskClient client, CancellationToken ct) =>
            Control(instanceId, client, ct, c => c.ResumeInstanceAsync(instanceId, reason, ct)));
        app.MapDelete(Instances + "/{instanceId}", Purge);
    }

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

    private static async Task<IResult> Start(
        string name, string? instanceId, HttpRequest request, DurableTaskClient client, IOptions<AgentOpsHostOptions> options, CancellationToken ct)
    {
        var (input, invalid) = await RunHttp.ReadJsonBodyAsync<JsonNode>(request, ct, optional: true);
        if (invalid is not null)
        {
            return invalid;
        }

        try
        {
            var id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(instanceId), ct);
            var status = StatusLinks(options.Value.PublicBaseUrl, id);
            return Results.Json(status, statusCode: 202);
        }
        catch (InvalidOperationException ex)
        {
            return Problem(409, "The instance id is in use.", ex.Message);
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
        var (payload, invalid) = await RunHttp.ReadJsonBodyAsync<JsonNode>(request, ct, optional: true);
        return invalid ?? await Control(instanceId, client, ct, c => c.RaiseEventAsync(instanceId, eventName, payload, ct));
    }

    private static async Task<IResult> Control(string instanceId, DurableTaskClient client, CancellationToken ct, Func<DurableTaskClient, Task> action)
    {
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

    private static object StatusLinks(Uri baseUrl, string id)
    {
        var instance = new Uri(baseUrl, $"{Instances}/{Uri.EscapeDataString(id)}").ToString();
        return new
        {
            id,
            statusQueryGetUri = instance,
            sendEventPostUri = instance + "/raiseEvent/{eventName}",
            terminatePostUri = instance + "/terminate?reason={text}",
            suspendPostUri = instance + "/suspend?reason={text}",
            resumePostUri = instance + "/resume?reason={text}",
            purgeHistoryDeleteUri = instance,
        };
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

    private static IResult NotFound(string instanceId) => Problem(404, "No such instance.", $"No orchestration instance has id '{instanceId}'.");

    private static IResult Problem(int status, string title, string detail) => Results.Problem(detail, statusCode: status, title: title);
}

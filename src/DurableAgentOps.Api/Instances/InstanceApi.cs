using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Instances;

/// <summary>
/// The instance management API, with Durable Functions' routes and payload names, so scripts written for a
/// Functions deployment work against the standalone host too. Administrators only (the app role, or the system key
/// as Durable Functions requires its system key), except the start route: it starts a governed run through the run
/// service, so it needs what the run API needs (a person holding the Starter role) and nothing less.
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

    private const string Orchestrators = "/runtime/webhooks/durabletask/orchestrators";

    /// <summary>The runtime statuses a purge by filter may name: a run still in flight is never purged.</summary>
    private static readonly OrchestrationRuntimeStatus[] Finished =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

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
            (string instanceId, string? reason, ClaimsPrincipal user, [FromServices] DurableTaskClient client, [FromServices] RunAdministration admin, CancellationToken ct) =>
                InstanceControl.Control(instanceId, reason, new RecordedAction(AdminAction.Terminate, user, admin), client, ct, c => c.TerminateInstanceAsync(instanceId, reason, ct)), Guarded),
        new("SuspendInstance", "POST", Instances + "/{instanceId}/suspend", AgentOpsPolicies.Administrator,
            (string instanceId, string? reason, ClaimsPrincipal user, [FromServices] DurableTaskClient client, [FromServices] RunAdministration admin, CancellationToken ct) =>
                InstanceControl.Control(instanceId, reason, new RecordedAction(AdminAction.Suspend, user, admin), client, ct, c => c.SuspendInstanceAsync(instanceId, reason, ct)), Guarded),
        new("ResumeInstance", "POST", Instances + "/{instanceId}/resume", AgentOpsPolicies.Administrator,
            (string instanceId, string? reason, ClaimsPrincipal user, [FromServices] DurableTaskClient client, [FromServices] RunAdministration admin, CancellationToken ct) =>
                InstanceControl.Control(instanceId, reason, new RecordedAction(AdminAction.Resume, user, admin), client, ct, c => c.ResumeInstanceAsync(instanceId, reason, ct)), Guarded),
        new("PurgeInstance", "DELETE", Instances + "/{instanceId}", AgentOpsPolicies.Administrator, InstanceControl.Purge, Guarded),
        new("PurgeInstances", "DELETE", Instances, AgentOpsPolicies.Administrator, PurgeBy, Guarded),
        new("RewindInstance", "POST", Instances + "/{instanceId}/rewind", AgentOpsPolicies.Administrator, Rewind, Guarded),
        new("StartOrchestration", "POST", Orchestrators + "/{functionName}/{instanceId?}", AgentOpsPolicies.Starter, Start,
            new GuardedAction("starting a run"), RateLimited.RunStart),
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

    private static async Task<IResult> Get(
        string instanceId, bool? showInput, bool? showHistory, bool? showHistoryOutput, [FromServices] DurableTaskClient client, CancellationToken ct)
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

        var history = showHistory == true ? DurableHistory.Describe(await client.GetOrchestrationHistoryAsync(instanceId, ct), showHistoryOutput == true) : null;
        return Results.Json(ToStatus(metadata, history));
    }

    /// <summary>
    /// Durable Functions' start route, for its clients: <c>{functionName}</c> is the workflow's name and the body its
    /// input. The run starts through the run service, as <c>POST /api/workflows/{name}/runs</c> would start it, and the
    /// answer is Durable Functions' check-status payload. The host chooses the run's id, so a route that names one is
    /// refused rather than ignored.
    /// </summary>
    private static async Task<IResult> Start(
        string functionName, string? instanceId, HttpRequest request, ClaimsPrincipal user, [FromServices] RunService runs,
        [FromServices] IOptions<PublicUrlOptions> urls, CancellationToken ct)
    {
        if (instanceId is not null)
        {
            return Problem(400, "A governed run's id is chosen by the host.",
                $"Leave the instance id out: POST {Orchestrators}/{Bounded(functionName)}; the answer's 'id' is the run's id.");
        }

        if (functionName == AgentWorkflowOrchestrator.Name)
        {
            return Problem(400, "Start a governed run by its workflow's name.",
                $"POST {Orchestrators}/<workflow> (for example {Orchestrators}/crm-followup) with the workflow's input as the body.");
        }

        var (input, invalid) = await JsonBody.ReadAsync<JsonNode>(request, ct, optional: true);
        if (invalid is not null)
        {
            return invalid;
        }

        if (input is not null and not JsonObject)
        {
            return ApiResults.BadRequest("The body must be a JSON object of the workflow's input fields.");
        }

        return await ApiResults.OrRefusalAsync(async () =>
        {
            var runId = await runs.StartAsync(functionName, input as JsonObject, user.ToCaller(), ct, BearerAssertion.Of(request));
            var status = CheckStatus(urls.Value.PublicBaseUrl, runId);
            return Results.Accepted(status.StatusQueryGetUri, status);
        });
    }

    /// <summary>
    /// Rewind is refused on purpose: it would run a governed run's failed steps again outside the approval that
    /// allowed them. A write that stopped part-way is resumed whole instead (<c>agentops resume</c>).
    /// </summary>
    private static async Task<IResult> Rewind(string instanceId, [FromServices] DurableTaskClient client, CancellationToken ct)
    {
        if (ApiResults.InvalidId(instanceId, "instanceId") is { } invalid)
        {
            return invalid;
        }

        // Plain text, as Durable Functions answers it: its clients show a 501's body as the error's message.
        return await client.GetInstanceAsync(instanceId, ct) is null
            ? NotFound(instanceId)
            : Results.Text(
                "Rewind is not supported for governed runs: their failed steps would run again outside the approval that allowed them. A write " +
                "that stopped part-way waits in phase write-incomplete, and an administrator resumes it whole with 'agentops resume <run>' (the " +
                "same approved change and idempotency keys).", "text/plain; charset=utf-8", statusCode: 501);
    }

    /// <summary>Durable Functions' purge by filter: finished instances created from <c>createdTimeFrom</c> (required) on.</summary>
    private static async Task<IResult> PurgeBy(
        DateTimeOffset? createdTimeFrom, DateTimeOffset? createdTimeTo, string? runtimeStatus, ClaimsPrincipal user, [FromServices] DurableTaskClient client,
        [FromServices] RunAdministration admin, CancellationToken ct)
    {
        if (createdTimeFrom is null)
        {
            return Problem(400, "createdTimeFrom is required.", "Name the earliest creation time to purge from (ISO 8601), as Durable Functions requires.");
        }

        if (ParseStatuses(runtimeStatus, out var statuses) is { } invalid)
        {
            return invalid;
        }

        if (statuses?.Where(s => !Finished.Contains(s)).Select(s => (OrchestrationRuntimeStatus?)s).FirstOrDefault() is { } running)
        {
            return Problem(400, "Only finished instances are purged.",
                $"runtimeStatus names {running}; a purge may name only {string.Join(", ", Finished)} (an instance still in flight is never purged).");
        }

        // One by one, so each governed run's purge is recorded in its evidence; listed first, then purged.
        var matching = new List<OrchestrationMetadata>();
        var query = new OrchestrationQuery { CreatedFrom = createdTimeFrom, CreatedTo = createdTimeTo, Statuses = statuses is { Length: > 0 } ? statuses : Finished };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(ct))
        {
            matching.Add(instance);
        }

        var deleted = 0;
        foreach (var instance in matching)
        {
            deleted += await InstanceControl.PurgeOneAsync(instance, user, client, admin, ct);
        }

        return deleted == 0
            ? Problem(404, "Nothing to purge.", "No finished instance matches the filter.")
            : Results.Json(new { instancesDeleted = deleted });
    }

    /// <summary>Durable Functions' HTTP management payload for one instance, built from the host's public URL.</summary>
    private static CheckStatusPayload CheckStatus(Uri publicBaseUrl, string id)
    {
        var instance = $"{publicBaseUrl.ToString().TrimEnd('/')}{Instances}/{Uri.EscapeDataString(id)}";
        return new CheckStatusPayload(id, instance, $"{instance}/raiseEvent/{{eventName}}", $"{instance}/terminate?reason={{text}}",
            $"{instance}/suspend?reason={{text}}", $"{instance}/resume?reason={{text}}", instance, $"{instance}/rewind?reason={{text}}");
    }

    private sealed record CheckStatusPayload(
        string Id, string StatusQueryGetUri, string SendEventPostUri, string TerminatePostUri, string SuspendPostUri, string ResumePostUri,
        string PurgeHistoryDeleteUri, string RewindPostUri);

    private static async Task<IResult> List(
        HttpContext http, string? runtimeStatus, DateTimeOffset? createdTimeFrom, DateTimeOffset? createdTimeTo, string? instanceIdPrefix,
        int? top, bool? showInput, [FromServices] DurableTaskClient client, CancellationToken ct)
    {
        if (top is < 1 or > 1000)
        {
            return Problem(400, "Invalid top.", $"top must be between 1 and 1000, not {top}.");
        }

        if (ParseStatuses(runtimeStatus, out var statuses) is { } invalid)
        {
            return invalid;
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

        return invalid ?? await InstanceControl.Control(instanceId, null, null, client, ct, c => c.RaiseEventAsync(instanceId, eventName, payload, ct));
    }

    /// <summary>A comma-separated list of runtime statuses, or a 400 naming the ones there are.</summary>
    private static IResult? ParseStatuses(string? runtimeStatus, out OrchestrationRuntimeStatus[]? statuses)
    {
        statuses = null;
        var names = runtimeStatus?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var parsed = new List<OrchestrationRuntimeStatus>();
        foreach (var name in names)
        {
            if (!Enum.TryParse<OrchestrationRuntimeStatus>(name, ignoreCase: true, out var status) || !Enum.IsDefined(status) || int.TryParse(name, out _))
            {
                return Problem(400, "Invalid runtimeStatus.",
                    $"runtimeStatus '{Bounded(runtimeStatus!)}' must be a comma-separated list of: {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}.");
            }

            parsed.Add(status);
        }

        statuses = runtimeStatus is null ? null : [.. parsed];
        return null;
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

    internal static IResult NotFound(string instanceId) => Problem(404, "No such instance.", $"No orchestration instance has id '{instanceId}'.");

    internal static IResult Problem(int status, string title, string detail) => Results.Problem(detail, statusCode: status, title: title);
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>The body of <c>POST api/workflows/{name}/runs</c>.</summary>
public sealed record StartRunBody(JsonObject? Input, string? Initiator);

/// <summary>The body of <c>POST api/runs/{runId}/approvals</c>.</summary>
public sealed record ApprovalBody(string? Approver, bool Approved, string? Comment, string? Channel);

/// <summary>
/// The run API's handlers, written once: the standalone host maps them to its routes and the Functions app calls
/// them from its HTTP triggers, so both answer with the same payloads, status codes and problem details.
/// </summary>
public static class RunHttp
{
    // Explicit rather than the host's HTTP JSON options: the payloads must not depend on which host serves them.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static async Task<IResult> StartAsync(RunService runs, string workflow, HttpRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var (body, invalid) = await ReadJsonBodyAsync<StartRunBody>(request, ct);
        return invalid ?? await Handle(async () =>
        {
            var runId = await runs.StartAsync(workflow, body?.Input, body?.Initiator ?? string.Empty, ct);
            return Results.Json(new { runId, workflow, statusUrl = $"/api/runs/{runId}" }, Json, statusCode: 202);
        });
    }

    public static async Task<IResult> GetAsync(RunService runs, string runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return await runs.GetAsync(runId, ct) is { } status
            ? Results.Json(status, Json)
            : Results.Problem($"No run with id '{runId}'.", statusCode: 404, title: "Unknown run.");
    }

    public static async Task<IResult> ApproveAsync(RunService runs, string runId, HttpRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var (body, invalid) = await ReadJsonBodyAsync<ApprovalBody>(request, ct);
        return invalid ?? await Handle(async () =>
        {
            var decision = new ApprovalDecision(body?.Approver ?? string.Empty, body?.Approved ?? false, body?.Channel ?? "api", body?.Comment);
            var wait = await runs.ApproveAsync(runId, decision, ct);
            return Results.Json(new { runId, gate = wait.Gate, stepId = wait.StepId, approver = decision.Approver, approved = decision.Approved }, Json, statusCode: 202);
        });
    }

    /// <summary>
    /// A JSON request body: another media type is a 415 and unparsable JSON a 400 naming the problem, never a 500.
    /// With <paramref name="optional"/>, a request without a body reads as null.
    /// </summary>
    public static async Task<(T? Body, IResult? Invalid)> ReadJsonBodyAsync<T>(HttpRequest request, CancellationToken ct, bool optional = false)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (optional && request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            // ReadFromJsonAsync would throw (a 500); say what is wrong instead, as minimal API binding does.
            return (null, Results.Problem("Send the body as application/json.", statusCode: 415, title: "Unsupported media type."));
        }

        try
        {
            return (await request.ReadFromJsonAsync<T>(Json, ct), null);
        }
        catch (JsonException ex)
        {
            return (null, Results.Problem(ex.Message, statusCode: 400, title: "The request body is not valid JSON."));
        }
    }

    /// <summary>A refused request becomes problem details with its status, and the input errors field by field.</summary>
    private static async Task<IResult> Handle(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (RunRequestException ex)
        {
            var extensions = ex.Errors.Count == 0
                ? null
                : new Dictionary<string, object?> { ["errors"] = ex.Errors.Select(e => new { field = e.Field, message = e.Message }).ToList() };
            return Results.Problem(ex.Message, statusCode: ex.Status, title: ex.Title, extensions: extensions);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Host;

/// <summary>The governed-run API: start a workflow run, read its status, answer its approval gate.</summary>
internal static class RunApi
{
    public sealed record StartRunBody(JsonObject? Input, string? Initiator);

    public sealed record ApprovalBody(string? Approver, bool Approved, string? Comment, string? Channel);

    public static void MapRunApi(this WebApplication app)
    {
        app.MapPost("/api/workflows/{name}/runs", StartAsync);
        app.MapGet("/api/runs/{runId}", GetAsync);
        app.MapPost("/api/runs/{runId}/approvals", ApproveAsync);
    }

    private static async Task<IResult> StartAsync(string name, HttpRequest request, RunService runs, CancellationToken ct)
    {
        StartRunBody? body;
        try
        {
            body = await request.ReadFromJsonAsync<StartRunBody>(ct);
        }
        catch (JsonException ex)
        {
            return Results.Problem(ex.Message, statusCode: 400, title: "The request body is not valid JSON.");
        }

        return await Handle(async () =>
        {
            var runId = await runs.StartAsync(name, body?.Input, body?.Initiator ?? string.Empty, ct);
            return Results.Json(new { runId, workflow = name, statusUrl = $"/api/runs/{runId}" }, statusCode: 202);
        });
    }

    private static async Task<IResult> GetAsync(string runId, RunService runs, CancellationToken ct) =>
        await runs.GetAsync(runId, ct) is { } status
            ? Results.Json(status)
            : Results.Problem($"No run with id '{runId}'.", statusCode: 404, title: "Unknown run.");

    private static async Task<IResult> ApproveAsync(string runId, ApprovalBody body, RunService runs, CancellationToken ct) =>
        await Handle(async () =>
        {
            var decision = new ApprovalDecision(body.Approver ?? string.Empty, body.Approved, body.Channel ?? "api", body.Comment);
            var wait = await runs.ApproveAsync(runId, decision, ct);
            return Results.Json(new { runId, gate = wait.Gate, stepId = wait.StepId, approver = decision.Approver, approved = decision.Approved }, statusCode: 202);
        });

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

using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Host;

/// <summary>The governed-run API: start a workflow run, read its status, answer its approval gate.</summary>
internal static class RunApi
{
    // The handlers live in Runtime: the Functions app's HTTP triggers call the same ones.
    public static void MapRunApi(this WebApplication app)
    {
        app.MapPost("/api/workflows/{name}/runs", (string name, HttpRequest request, RunService runs, CancellationToken ct) =>
            RunHttp.StartAsync(runs, name, request, ct));
        app.MapGet("/api/runs/{runId}", (string runId, RunService runs, CancellationToken ct) =>
            RunHttp.GetAsync(runs, runId, ct));
        app.MapPost("/api/runs/{runId}/approvals", (string runId, HttpRequest request, RunService runs, CancellationToken ct) =>
            RunHttp.ApproveAsync(runs, runId, request, ct));
    }
}

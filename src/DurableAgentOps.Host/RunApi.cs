using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Host;

/// <summary>The governed-run API: start a workflow run, read its status, answer its approval gate.</summary>
internal static class RunApi
{
    // The handlers live in Runtime and authenticate the caller themselves: the Functions app's triggers call the same ones.
    public static void MapRunApi(this WebApplication app)
    {
        app.MapPost("/api/workflows/{name}/runs", (string name, HttpContext http, RunService runs, CancellationToken ct) =>
            RunHttp.StartAsync(runs, http, name, ct));
        app.MapGet("/api/runs/{runId}", (string runId, HttpContext http, RunService runs, CancellationToken ct) =>
            RunHttp.GetAsync(runs, http, runId, ct));
        app.MapPost("/api/runs/{runId}/approvals", (string runId, HttpContext http, RunService runs, CancellationToken ct) =>
            RunHttp.ApproveAsync(runs, http, runId, ct));
    }
}

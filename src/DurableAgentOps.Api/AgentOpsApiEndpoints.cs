using DurableAgentOps.Api.Approvals;
using DurableAgentOps.Api.Evidence;
using DurableAgentOps.Api.Replay;
using DurableAgentOps.Api.Runs;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Api;

/// <summary>The governed-run API: start a workflow run, read its status, answer its approval gate.</summary>
public static class AgentOpsApiEndpoints
{
    // The handlers live in Runtime and authenticate the caller themselves: the Functions app's triggers call the same ones.
    public static IEndpointRouteBuilder MapAgentOpsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/workflows/{name}/runs", (string name, HttpContext http, RunService runs, CancellationToken ct) =>
            RunHttp.StartAsync(runs, http, name, ct));
        app.MapGet("/api/runs/{runId}", (string runId, HttpContext http, RunService runs, CancellationToken ct) =>
            RunHttp.GetAsync(runs, http, runId, ct));
        app.MapGet("/api/approvals", (HttpContext http, RunService runs, CancellationToken ct) => RunHttp.PendingAsync(runs, http, ct));
        app.MapPost("/api/runs/{runId}/approvals", (string runId, HttpContext http, RunService runs, CancellationToken ct) =>
            RunHttp.ApproveAsync(runs, http, runId, ct));

        // Investigators (Reader role): the evidence ledger outlives the Durable history.
        app.MapGet("/api/evidence/runs", (HttpContext http, CancellationToken ct) => EvidenceHttp.SearchAsync(http, ct));
        app.MapGet("/api/evidence/log", (HttpContext http, CancellationToken ct) => EvidenceHttp.LogAsync(http, ct));
        app.MapGet("/api/evidence/verify", (HttpContext http, CancellationToken ct) => EvidenceHttp.VerifyAsync(http, ct));
        app.MapGet("/api/runs/{runId}/evidence", (string runId, HttpContext http, CancellationToken ct) => EvidenceHttp.RunAsync(http, runId, ct));
        app.MapDelete("/api/runs/{runId}/evidence", (string runId, HttpContext http, DurableTaskClient client, CancellationToken ct) => EvidenceHttp.PurgeAsync(http, client, runId, ct));
        app.MapPost("/api/evidence/purge", (HttpContext http, DurableTaskClient client, CancellationToken ct) => EvidenceHttp.PurgeExpiredAsync(http, client, ct));
        app.MapGet("/api/runs/{runId}/evidence/bundle", (string runId, HttpContext http, CancellationToken ct) => EvidenceHttp.BundleAsync(http, runId, ct));

        // Replay (Investigator role): today's code against a run's Durable history, else its ledger, or an exported bundle.
        app.MapGet("/api/runs/{runId}/replay", (string runId, HttpContext http, DurableTaskClient client, CancellationToken ct) =>
            ReplayHttp.RunAsync(http, client, runId, ct));
        app.MapPost("/api/replay", (HttpContext http, CancellationToken ct) => ReplayHttp.BundleAsync(http, ct));

        // Investigators' timeline page and incident report (pages cookie + Investigator role, checked inside; API: bearer + Investigator).
        app.MapGet("/runs/{runId}/timeline", (HttpContext http, string runId) => TimelinePage.GetAsync(http, runId)).AllowAnonymous();
        app.MapGet("/runs/{runId}/timeline/report", (HttpContext http, string runId) => TimelinePage.ReportAsync(http, runId)).AllowAnonymous();
        app.MapGet("/api/runs/{runId}/report", (string runId, HttpContext http, CancellationToken ct) => TimelinePage.ApiReportAsync(http, runId, ct));

        // The approval page: the signed link is what lets a GET show it; deciding needs a sign-in (checked inside).
        app.MapGet(ApprovalPageLinks.RoutePrefix + "/{token}", (HttpContext http, string token) => ApprovalPages.GetAsync(http, token)).AllowAnonymous();
        app.MapGet(ApprovalPageLinks.RoutePrefix + "/{token}/sign-in", (HttpContext http, string token) => ApprovalPages.SignInAsync(http, token)).AllowAnonymous();
        app.MapPost(ApprovalPageLinks.RoutePrefix + "/{token}", (HttpContext http, string token) => ApprovalPages.PostAsync(http, token)).AllowAnonymous();
        return app;
    }
}

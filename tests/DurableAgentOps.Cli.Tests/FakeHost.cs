using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Cli.Tests;

/// <summary>A request the fake host received.</summary>
internal sealed record ReceivedRequest(string Method, string Path, JsonObject? Body, string? Authorization, string Query = "");

/// <summary>
/// A real HTTP peer for the run, approve and explain commands: Kestrel on a free loopback port, serving the run API's routes
/// with answers each test sets (canned JSON, a status sequence), and recording every request it gets.
/// </summary>
internal sealed class FakeHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedRequest> requests = new();
    private readonly object statusLock = new();
    private readonly Queue<string> statuses = new();
    private string? lastStatus;

    private FakeHost(WebApplication app) => this.app = app;

    public string Url => app.Urls.Single();

    public IReadOnlyList<ReceivedRequest> Requests => [.. requests];

    /// <summary>The run page the default start answer names: the host's pages are elsewhere than its API (as on Functions behind a front door).</summary>
    public const string RunPage = "https://pages.contoso.example/api/runs/run-1/overview";

    /// <summary>Answer to POST /api/workflows/{name}/runs (default: 202 with run id "run-1" and its run page).</summary>
    public Func<string, IResult> StartRun { get; set; } =
        name => Results.Json(new { runId = "run-1", workflow = name, initiator = new { id = "t/a1", name = "Alice Martin", upn = "alice@contoso.example" }, statusUrl = "/api/runs/run-1", runPage = RunPage }, statusCode: 202);

    /// <summary>Answer to POST /api/runs/{id}/approvals (default: 202 at gate manager-review).</summary>
    public Func<string, IResult> Approve { get; set; } =
        id => Results.Json(new
        {
            runId = id, gate = "manager-review", stepId = "write-followup", decisionId = "manager-review~ab",
            approver = new { id = "t/b2", name = "Bob Manager", upn = "bob.manager@contoso.example" }, approved = true,
            matchedAs = "group emea-sales-managers", alreadyRecorded = false,
        }, statusCode: 202);

    /// <summary>Answer to GET /api/approvals, by its query string (default: nothing waits).</summary>
    public Func<string, IResult> Pending { get; set; } =
        _ => Results.Json(new { approver = new { id = "t/b2", name = "Bob Manager", upn = "bob.manager@contoso.example" }, pending = Array.Empty<object>(), next = (string?)null });

    /// <summary>Answer to GET /api/evidence/runs (default: no run matches).</summary>
    public Func<IResult> Runs { get; set; } = () => Results.Json(new { top = 50, scanned = 0, runs = Array.Empty<object>(), next = (string?)null });

    /// <summary>Answer to GET /api/host (default: a Production host enforcing everything).</summary>
    public Func<IResult> Host { get; set; } = () => HostAnswer(scopeGuard: true, evidence: true);

    /// <summary>A GET /api/host answer as the host writes it.</summary>
    public static IResult HostAnswer(
        bool scopeGuard, bool evidence, string environment = "Production", string identities = "local", bool separateWriter = false, bool actsForPeople = true) =>
        Results.Json(new
        {
            environment, development = environment == "Development", identitiesEnvironment = identities, scopeGuard, evidence, separateWriter, actsForPeople,
            governanceOff = new[] { scopeGuard ? null : "scope-guard", evidence ? null : "evidence" }.OfType<string>(),
        });

    public static async Task<FakeHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var host = new FakeHost(app);
        app.MapPost("/api/workflows/{name}/runs", async (string name, HttpRequest request) => host.Record(request, await ReadBody(request)).StartRun(name));
        app.MapGet("/api/runs/{id}", (string id, HttpRequest request) => host.Record(request, null).NextStatus());
        app.MapPost("/api/runs/{id}/approvals", async (string id, HttpRequest request) => host.Record(request, await ReadBody(request)).Approve(id));
        app.MapGet("/api/host", (HttpRequest request) => host.Record(request, null).Host());
        app.MapGet("/api/evidence/runs", (HttpRequest request) => host.Record(request, null).Runs());
        app.MapGet("/api/approvals", (HttpRequest request) => host.Record(request, null).Pending(request.QueryString.Value ?? string.Empty));
        await app.StartAsync();
        return host;
    }

    /// <summary>GET /api/runs/{id} answers these in order, then repeats the last.</summary>
    public void EnqueueStatus(params string[] json)
    {
        lock (statusLock)
        {
            foreach (var item in json)
            {
                statuses.Enqueue(item);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static async Task<JsonObject?> ReadBody(HttpRequest request) => await JsonNode.ParseAsync(request.Body) as JsonObject;

    private FakeHost Record(HttpRequest request, JsonObject? body)
    {
        requests.Enqueue(new ReceivedRequest(request.Method, request.Path.Value ?? string.Empty, body, request.Headers.Authorization.FirstOrDefault(),
            request.QueryString.Value ?? string.Empty));
        return this;
    }

    private IResult NextStatus()
    {
        lock (statusLock)
        {
            lastStatus = statuses.TryDequeue(out var next) ? next : lastStatus;
        }

        return lastStatus is null
            ? Results.Problem("No run with id.", statusCode: 404, title: "Unknown run.")
            : Results.Text(lastStatus, "application/json");
    }
}

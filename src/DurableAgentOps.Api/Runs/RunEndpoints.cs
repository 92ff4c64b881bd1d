using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Runs;

/// <summary>
/// The run API: start a workflow run, read its status, list the gates one may answer, answer one, and resume an
/// incomplete write (administrators). Who may start is
/// the endpoint's policy and then the workflow's <c>starters</c>; who may read or decide a run is judged by the run
/// service against that run (its initiator, its gate's approvers, the Reader role).
/// </summary>
internal static class RunEndpoints
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("StartRun", "POST", "/api/workflows/{name}/runs", AgentOpsPolicies.Starter, StartAsync, new GuardedAction("starting a run"), RateLimited.RunStart),
        new("GetRun", "GET", "/api/runs/{runId}", AgentOpsPolicies.Caller, GetAsync, new GuardedAction("reading a run")),
        new("PendingApprovals", "GET", "/api/approvals", AgentOpsPolicies.Person, PendingAsync, new GuardedAction("listing approvals")),
        new("ApproveRun", "POST", "/api/runs/{runId}/approvals", AgentOpsPolicies.Person, ApproveAsync, new GuardedAction("deciding")),
        new("ResumeRun", "POST", "/api/runs/{runId}/resume", AgentOpsPolicies.Administrator, ResumeAsync, new GuardedAction("resuming a write")),
    ];

    /// <summary>
    /// <c>POST /api/workflows/{name}/runs</c> with <c>{"input":{...}}</c>: 202 with the run id, the status URL and the run
    /// page (<c>runPage</c>, where the starter and the approvers follow it, built from the pages' public URL); the
    /// initiator is the caller.
    /// </summary>
    private static async Task<IResult> StartAsync(
        string name, HttpRequest request, ClaimsPrincipal user, [FromServices] RunService runs, [FromServices] IOptions<ApprovalsOptions> pages,
        [FromServices] IOptions<PublicUrlOptions> urls, CancellationToken ct)
    {
        var (body, invalid) = await JsonBody.ReadObjectAsync(request, ct, "input");
        if (invalid is not null)
        {
            return invalid;
        }

        if (body!["input"] is { } node && node is not JsonObject)
        {
            return ApiResults.BadRequest("'input' must be a JSON object of the workflow's input fields.");
        }

        var caller = user.ToCaller();
        return await ApiResults.OrRefusalAsync(async () =>
        {
            var runId = await runs.StartAsync(name, body["input"] as JsonObject, caller, ct, BearerAssertion.Of(request));
            var runPage = RunPageLinks.For(pages.Value.PublicBaseUrl ?? urls.Value.PublicBaseUrl, runId).AbsoluteUri;
            return ApiResults.Json(new { runId, workflow = name, initiator = caller.ToPrincipal(), statusUrl = $"/api/runs/{runId}", runPage }, 202);
        });
    }

    /// <summary><c>GET /api/runs/{runId}</c>: the run's status, for its initiator, an approver of its waiting gate, or a reader.</summary>
    private static async Task<IResult> GetAsync(string runId, ClaimsPrincipal user, [FromServices] RunService runs, CancellationToken ct)
    {
        if (ApiResults.InvalidId(runId, "runId") is { } bad)
        {
            return bad;
        }

        return await ApiResults.OrRefusalAsync(async () => await runs.GetAsync(runId, user.ToCaller(), ct) is { } status
            ? ApiResults.Json(status)
            : ApiResults.NotFound("Unknown run.", $"No run with id '{runId}'."));
    }

    /// <summary>
    /// <c>GET /api/approvals[?pageSize=&amp;next=]</c>: a page of the gates the caller can answer now, earliest deadline
    /// first; <c>next</c> (null on the last page) asks for the page after.
    /// </summary>
    private static async Task<IResult> PendingAsync(HttpRequest request, ClaimsPrincipal user, [FromServices] RunService runs, CancellationToken ct)
    {
        var pageSizeText = request.Query["pageSize"].ToString();
        var pageSize = RunService.DefaultPageSize;
        if (pageSizeText.Length > 0 && (!int.TryParse(pageSizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize)
            || pageSize is < 1 or > RunService.MaxPageSize))
        {
            return ApiResults.BadRequest($"'pageSize' must be a whole number from 1 to {RunService.MaxPageSize}.");
        }

        var next = request.Query["next"].ToString() is { Length: > 0 } token ? token : null;
        var caller = user.ToCaller();
        return await ApiResults.OrRefusalAsync(async () =>
        {
            var page = await runs.PendingForAsync(caller, next, pageSize, ct);
            return ApiResults.Json(new { approver = caller.ToPrincipal(), pending = page.Pending, next = page.Next });
        });
    }

    /// <summary><c>POST /api/runs/{runId}/approvals</c> with <c>{"approved":true,"comment":"..."}</c>: records the caller's decision (202).</summary>
    private static async Task<IResult> ApproveAsync(
        string runId, HttpRequest request, ClaimsPrincipal user, [FromServices] RunService runs, [FromServices] IOptions<AuthOptions> auth, CancellationToken ct)
    {
        if (ApiResults.InvalidId(runId, "runId") is { } badId)
        {
            return badId;
        }

        var (body, invalid) = await JsonBody.ReadObjectAsync(request, ct, "approved", "comment");
        if (invalid is not null)
        {
            return invalid;
        }

        if (body!["approved"] is not JsonValue approvedValue || !approvedValue.TryGetValue<bool>(out var approved))
        {
            return ApiResults.BadRequest("'approved' is required: true to approve, false to reject.");
        }

        string? comment = null;
        if (body["comment"] is { } commentNode && (commentNode is not JsonValue commentValue || !commentValue.TryGetValue(out comment)))
        {
            return ApiResults.BadRequest("'comment' must be a string.");
        }

        var caller = user.ToCaller();
        var channel = caller.ClientId is { } client && client == auth.Value.CliClientId ? "cli" : "api";
        return await ApiResults.OrRefusalAsync(async () => ApiResults.Json(await runs.DecideAsync(runId, caller, approved, comment, channel, ct), 202));
    }

    /// <summary>
    /// <c>POST /api/runs/{runId}/resume</c>: an administrator resumes the run's incomplete write (202 with what was
    /// recorded and which calls the run will finish); 409 when the run has none.
    /// </summary>
    private static async Task<IResult> ResumeAsync(
        string runId, ClaimsPrincipal user, [FromServices] RunService runs, [FromServices] IOptions<AuthOptions> auth, CancellationToken ct)
    {
        if (ApiResults.InvalidId(runId, "runId") is { } badId)
        {
            return badId;
        }

        var caller = user.ToCaller();
        var channel = caller.ClientId is { } client && client == auth.Value.CliClientId ? "cli" : "api";
        return await ApiResults.OrRefusalAsync(async () => ApiResults.Json(await runs.ResumeAsync(runId, caller, channel, ct), 202));
    }
}

using DurableAgentOps.Api.Diagnostics;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Pages;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api.Runs;

/// <summary>
/// The run page (<c>GET /runs/{runId}/overview</c>) for the people in a run: its starter, the approvers of the gates it
/// reached, and readers. It uses the pages' OpenID Connect cookie as the approval page does. Before sign-in it shows
/// only a sign-in button: no business data, and not even whether the run exists. Signed in, someone who may not see
/// the run gets the same 403 whether it exists or not. The page reads the run's status (not its evidence) and says it
/// in plain words; investigators also get the way to the timeline and the report.
/// </summary>
internal static class RunPage
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        // Open to anyone, like the approval page: the page itself judges its sign-in, so that before it there is a page
        // that says nothing rather than a redirect that an unsigned visitor (or a mail scanner) follows.
        new("RunPage", "GET", RunPageLinks.Route, null, ShowAsync, PageEndpoint.Instance, RateLimited.ApprovalPage),
        new("RunPageSignIn", "GET", RunPageLinks.Route + "/sign-in", null, SignInAsync, PageEndpoint.Instance, RateLimited.SignIn),
    ];

    private const string Title = "Follow a run";

    /// <summary><c>GET /runs/{runId}/overview</c>: the run, for a signed-in person who may follow it.</summary>
    private static async Task ShowAsync(
        string runId, HttpContext http, [FromServices] RunService runs, [FromServices] ILoggerFactory logs, [FromServices] TimeProvider time)
    {
        if (ApiResults.InvalidId(runId, "runId") is not null)
        {
            await WriteRefusalAsync(http, 400, "This is not a run's address", $"A run id is 1-{ApiResults.MaxIdLength} letters, digits, '-', '_', '.' or ':'.");
            return;
        }

        var signedIn = await http.AuthenticateAsync(AuthenticationSetup.PagesScheme);
        if (!signedIn.Succeeded || CallerClaims.From(signedIn.Principal!) is not { } caller)
        {
            // Nothing about the run, not even that it exists: the address alone is no credential.
            await new HtmlPage(RunPageView.Style).Heading(Title)
                .Banner("wait", "Sign in to follow this run.", "Once you have signed in you see its status, its steps and who decided, if it is a run you may follow.", "sign-in-needed")
                .Link(SelfPath(http) + "/sign-in", "Sign in to follow this run", "sign-in")
                .WriteAsync(http.Response, 200, Title);
            return;
        }

        RunPageAccess? access;
        try
        {
            access = await runs.GetForRunPageAsync(runId, caller, http.RequestAborted);
        }
        catch (RunRequestException ex)
        {
            await WriteRefusalAsync(http, ex.Status, "This run cannot be shown now", ex.Message);
            return;
        }

        if (access is null)
        {
            // The same answer for a run that does not exist, so the page tells nobody which runs there are.
            logs.CreateLogger(typeof(RunPage)).RunPageRefused(runId, caller.Id);
            await WriteRefusalAsync(http, 403, "You cannot follow this run",
                $"{caller.Name}, this page shows a run to the person who started it, to the approvers of its approval steps, and to people who hold " +
                "a role that reads runs (AgentOps.Reader, AgentOps.Investigator or AgentOps.Administrator). If you expected to see it, check the address, " +
                "or ask the person who started the run.");
            return;
        }

        var self = SelfPath(http);
        // The prefix the host serves its pages under ("" standalone, "/api" on Functions): a run id holds no '/'.
        var prefix = self[..self.LastIndexOf("/runs/", StringComparison.Ordinal)];
        await new RunPageView(access, caller, time.GetUtcNow(), prefix).Render().WriteAsync(http.Response, 200, $"{access.Status.Workflow}: run {runId}");
    }

    /// <summary>Starts the sign-in and comes back to the run page.</summary>
    private static async Task SignInAsync(string runId, HttpContext http)
    {
        if (ApiResults.InvalidId(runId, "runId") is not null)
        {
            await WriteRefusalAsync(http, 400, "This is not a run's address", $"A run id is 1-{ApiResults.MaxIdLength} letters, digits, '-', '_', '.' or ':'.");
            return;
        }

        // Back to the page this sign-in link hangs under, whatever prefix the host serves it at (Functions: /api).
        var page = SelfPath(http)[..^"/sign-in".Length];
        await http.ChallengeAsync(AuthenticationSetup.PagesSignInScheme, new AuthenticationProperties { RedirectUri = page });
    }

    /// <summary>The page's own path as this request reached it (the standalone host serves it at /runs, Functions at /api/runs).</summary>
    private static string SelfPath(HttpContext http) => (http.Request.PathBase + http.Request.Path).Value!;

    private static Task WriteRefusalAsync(HttpContext http, int status, string title, string detail) =>
        new HtmlPage(RunPageView.Style).Heading(Title).Banner("refused", title, detail, "refusal").WriteAsync(http.Response, status, title);
}

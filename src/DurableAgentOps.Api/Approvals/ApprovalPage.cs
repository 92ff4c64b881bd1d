using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Approvals;

/// <summary>
/// The approval page an email link or a Teams card opens. GET never decides. Before sign-in it says only that a review
/// waits (a forwarded mail or a mail scanner learns nothing); signed in, the link's approver (or, for a channel link,
/// an approver of the gate) sees the decision first and the details below (<see cref="ApprovalRenderer"/>), anyone
/// else only why they cannot decide. Deciding is a POST by that person, with an anti-forgery token bound to their
/// sign-in. A used, expired, tampered or foreign link, or a review that is over, gets a page that says which in plain
/// words, and changes nothing.
/// </summary>
internal sealed class ApprovalPage(
    RunService runs, LinkStore links, DefinitionStore definitions, ChangeStore changes, IAntiforgery antiforgery, TimeProvider time,
    IOptions<ApprovalsOptions> approvals, IOptions<AgentOpsRunOptions> runOptions, IOptions<PublicUrlOptions> urls)
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        // The signed link is what lets a GET show the page; deciding needs a sign-in, checked on the page so that a
        // scanner's automatic POST gets a page that says "sign in" and consumes nothing.
        new("ApprovalPage", "GET", ApprovalPageLinks.RoutePrefix + "/{token}", null,
            (string token, HttpContext http, [FromServices] ApprovalPage page) => page.ShowAsync(http, token), PageEndpoint.Instance, RateLimited.ApprovalPage),
        new("ApprovalPageSignIn", "GET", ApprovalPageLinks.RoutePrefix + "/{token}/sign-in", null,
            (string token, HttpContext http, [FromServices] ApprovalPage page) => page.SignInAsync(http, token), PageEndpoint.Instance, RateLimited.SignIn),
        new("ApprovalDecision", "POST", ApprovalPageLinks.RoutePrefix + "/{token}", null,
            (string token, HttpContext http, [FromServices] ApprovalPage page) => page.DecideAsync(http, token), PageEndpoint.Instance, RateLimited.ApprovalPage),
    ];

    /// <summary>GET: the page for whoever holds a valid link, showing what the signed-in person (or nobody) may see; never decides.</summary>
    public async Task ShowAsync(HttpContext http, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        var view = await LoadAsync(http, token);
        await RenderAsync(http, view);
    }

    /// <summary>Starts the sign-in and comes back to the same page.</summary>
    public async Task SignInAsync(HttpContext http, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        var signer = Signer();
        if (signer is null || signer.Verify(token, time.GetUtcNow(), out _) is LinkProblem.Malformed or LinkProblem.Tampered)
        {
            await ApprovalRenderer.WriteRefusalAsync(http, 400, "This link is not valid", "It was not issued by this host, or it was altered. Nothing was changed.");
            return;
        }

        // Back to the page this sign-in link hangs under, whatever prefix the host serves it at (Functions: /api).
        var page = http.Request.PathBase + http.Request.Path.Value![..^"/sign-in".Length];
        await http.ChallengeAsync(AuthenticationSetup.PagesSignInScheme, new AuthenticationProperties { RedirectUri = page });
    }

    /// <summary>POST: the decision of the signed-in approver the link is for.</summary>
    public async Task DecideAsync(HttpContext http, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        var signedIn = await http.AuthenticateAsync(AuthenticationSetup.PagesScheme);
        if (!signedIn.Succeeded || CallerClaims.From(signedIn.Principal!) is not { } caller)
        {
            // An automatic form submission (a mail scanner) has no sign-in: it decides nothing and consumes nothing.
            await ApprovalRenderer.WriteRefusalAsync(http, 401, "Sign in to decide", "Open the link, sign in, and decide on the page. Nothing was changed.");
            return;
        }

        http.User = signedIn.Principal!;
        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            await ApprovalRenderer.WriteRefusalAsync(http, 400, "This form cannot be accepted", "It did not come from the approval page you signed in to (the anti-forgery check failed). Nothing was changed.");
            return;
        }

        var form = await http.Request.ReadFormAsync();
        var decision = form["decision"].ToString();
        var comment = form["comment"].ToString();
        if (decision is not ("approve" or "reject"))
        {
            await ApprovalRenderer.WriteRefusalAsync(http, 400, "No decision", "Choose Approve or Reject. Nothing was changed.");
            return;
        }

        var view = await LoadAsync(http, token);
        if (view.Refusal is not null || await view.EligibilityAsync(caller, http.RequestAborted) is not null)
        {
            await RenderAsync(http, view);
            return;
        }

        var claims = view.Claims!;
        if (claims.ApproverId is not null
            && !await links.ConsumeAsync(view.Issued!, caller.Id, time.GetUtcNow(), http.RequestAborted))
        {
            await ApprovalRenderer.WriteRefusalAsync(http, 409, "This link was already used", "A decision was already made with it. Nothing was changed.");
            return;
        }

        try
        {
            var receipt = await runs.DecideAsync(claims.RunId, caller, decision == "approve",
                string.IsNullOrWhiteSpace(comment) ? null : comment, claims.Channel, http.RequestAborted, new UsedLink(claims.LinkId, claims.Gate, claims.ChangeDigest));
            await ApprovalRenderer.WriteReceiptAsync(http, view, caller, receipt, RunPageLinks.For(PublicBase(), claims.RunId), time.GetUtcNow());
        }
        catch (RunRequestException ex)
        {
            await ApprovalRenderer.WriteRefusalAsync(http, ex.Status, ex.Title, ex.Message + " Nothing was changed.");
        }
    }

    /// <summary>The page's own path as this request reached it (the standalone host serves it at /approvals, Functions at /api/approvals).</summary>
    private static string SelfPath(HttpContext http) => (http.Request.PathBase + http.Request.Path).Value!;

    /// <summary>Where people reach this host, as configured (the approval links' address, else the host's); never the request's Host header.</summary>
    private Uri PublicBase() => approvals.Value.PublicBaseUrl ?? urls.Value.PublicBaseUrl;

    private ApprovalLinkSigner? Signer() => approvals.Value.Key is { } key ? new ApprovalLinkSigner(key) : null;

    /// <summary>The screen this link and this person get: see <see cref="ApprovalRenderer"/>.</summary>
    private async Task RenderAsync(HttpContext http, ApprovalView view)
    {
        if (view.Status is null || view.Claims is null)
        {
            var refused = view.Refusal!;
            await ApprovalRenderer.WriteRefusalAsync(http, refused.Status, refused.Title, refused.Detail);
            return;
        }

        var signedIn = await http.AuthenticateAsync(AuthenticationSetup.PagesScheme);
        var caller = signedIn.Succeeded ? CallerClaims.From(signedIn.Principal!) : null;
        var signIn = $"{SelfPath(http)}/sign-in";
        switch (view.Refusal)
        {
            case { Closed: true }:
                var mayKnow = caller is not null && await view.MaySeeDecisionsAsync(caller, http.RequestAborted);
                await ApprovalRenderer.WriteClosedAsync(http, view, mayKnow, caller is null ? signIn : null);
                return;
            case { } refused:
                await ApprovalRenderer.WriteRefusalAsync(http, refused.Status, refused.Title, refused.Detail);
                return;
        }

        if (caller is null)
        {
            await ApprovalRenderer.WriteWaitingAsync(http, view, signIn, time.GetUtcNow());
            return;
        }

        if (await view.EligibilityAsync(caller, http.RequestAborted) is { } why)
        {
            await ApprovalRenderer.WriteNotYoursAsync(http, why);
            return;
        }

        http.User = signedIn.Principal!;
        var tokens = antiforgery.GetAndStoreTokens(http);
        await ApprovalRenderer.WriteDecisionAsync(http, view, caller, SelfPath(http), (tokens.FormFieldName, tokens.RequestToken!), time.GetUtcNow());
    }

    /// <summary>Everything the page needs, checked in order: the link, the run, the gate, the change.</summary>
    private async Task<ApprovalView> LoadAsync(HttpContext http, string token)
    {
        var now = time.GetUtcNow();
        if (Signer() is not { } signer)
        {
            return ApprovalView.Refuse(503, "Approval links are off", $"This host has no {ApprovalsOptions.Section}:LinkSigningKey; decide with 'agentops approve'.");
        }

        var problem = signer.Verify(token, now, out var claims);
        if (problem is LinkProblem.Malformed or LinkProblem.Tampered)
        {
            return ApprovalView.Refuse(400, "This link is not valid", "It was not issued by this host, or it was altered. Nothing was changed.");
        }

        if (problem == LinkProblem.Expired)
        {
            return ApprovalView.Refuse(410, "This link has expired", $"It was good until {ApprovalWords.Date(claims!.Expires)}. Nothing was changed.");
        }

        // The link's row, the run and the change depend only on the verified link, so they are read together.
        var issuedRead = links.GetAsync(claims!.RunId, claims.LinkId, http.RequestAborted);
        var runRead = runs.GetForLinkAsync(claims.RunId, http.RequestAborted);
        var changeRead = changes.LoadAsync(claims.RunId, claims.ChangeDigest, http.RequestAborted);
        await Task.WhenAll(issuedRead, runRead, changeRead);
        var issued = await issuedRead;
        if (issued is null)
        {
            return ApprovalView.Refuse(400, "This link is not valid", "This host has no record of issuing it. Nothing was changed.");
        }

        if (await runRead is not { } status)
        {
            return ApprovalView.Refuse(404, "This link is not valid", "The run it is for is not on this host. Nothing was changed.");
        }

        var snapshot = await definitions.LoadAsync(status.Workflow, status.DefinitionSha256, http.RequestAborted);
        // Shown only under this host's seal: storage alone cannot rewrite a column, the before values included.
        var change = await changeRead is { } stored && approvals.Value.Key is { } key && stored.IsSealedBy(key) ? stored : null;
        var view = new ApprovalView(claims, status, issued, snapshot, change, runs, runOptions.Value.Environment);
        if (claims.ApproverId is not null && issued.UsedBy is not null)
        {
            view.Refusal = new(409, "This link was already used", "Your link was already used for a decision, so it decides nothing more. Nothing was changed.", Closed: true);
        }
        else if (status.WaitingFor is not { } wait || wait.Gate != claims.Gate || wait.ChangeDigest != claims.ChangeDigest)
        {
            view.Refusal = new(409, "This review is closed", Moved(status, claims) + " Nothing was changed.", Closed: true);
        }
        else if (change is null)
        {
            // Fail closed: nobody decides on a change they cannot be shown as the digest (and so the write) has it.
            view.Refusal = new(409, "This change cannot be shown",
                $"The stored copy of change {claims.ChangeDigest[..12]}… is missing, or does not match the digest the write is bound to. Nothing was " +
                "changed. Tell an administrator: the change store may have been altered (agentops verify checks the run's evidence).");
        }

        return view;
    }

    /// <summary>Where the run is now that it no longer waits for this link's change, in plain words.</summary>
    private static string Moved(RunStatus status, ApprovalLinkClaims claims) => status switch
    {
        { WaitingFor: { } wait } when wait.Gate == claims.Gate => "The change was redrafted since this link was sent; the run waits for a decision on the new version. Use the most recent message.",
        { WaitingFor: not null } => "The request went on to other approvers.",
        { Status: "Completed" } => status.Outcome switch
        {
            "completed" => "The run finished: the change was made.",
            "rejected" => "The run finished: the change was rejected, so nothing was written.",
            "timed-out" => "The run finished: nobody decided in time, so nothing was written.",
            "cancelled" => "The run finished: it was cancelled at its deadline, so nothing was written.",
            _ => "The run finished.",
        },
        { Status: "Failed" or "Terminated" } => "The run stopped before it finished.",
        _ => "A decision was taken; the run carries on.",
    };
}

using System.Globalization;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Pages;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Snapshot;
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
/// The approval page an email link or a Teams card opens. GET never decides: it shows the run, the exact change, the
/// identity that will make it with its scope, why the gate applies, who answered and the deadline — to whoever holds
/// a valid link. Deciding is a POST by a person who signed in (OpenID Connect), with an anti-forgery token bound to
/// that sign-in, who is the link's approver (or, for a channel link, an approver of the gate). A used, expired,
/// tampered, foreign or superseded link gets a page that says which, and changes nothing.
/// </summary>
internal sealed class ApprovalPage(
    RunService runs, LinkStore links, DefinitionStore definitions, ChangeStore changes, IAntiforgery antiforgery, TimeProvider time,
    IOptions<ApprovalsOptions> approvals, IOptions<AgentOpsRunOptions> runOptions)
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

    /// <summary>GET: the page, read-only, for whoever holds a valid link.</summary>
    public async Task ShowAsync(HttpContext http, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        var view = await LoadAsync(http, token);
        await view.RenderAsync(http);
    }

    /// <summary>Starts the sign-in and comes back to the same page.</summary>
    public async Task SignInAsync(HttpContext http, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        var signer = Signer();
        if (signer is null || signer.Verify(token, time.GetUtcNow(), out _) is LinkProblem.Malformed or LinkProblem.Tampered)
        {
            await WriteRefusalAsync(http, 400, "This link is not valid", "It was not issued by this host, or it was altered. Nothing was changed.");
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
            await WriteRefusalAsync(http, 401, "Sign in to decide", "Open the link, sign in, and decide on the page. Nothing was changed.");
            return;
        }

        http.User = signedIn.Principal!;
        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            await WriteRefusalAsync(http, 400, "This form cannot be accepted", "It did not come from the approval page you signed in to (the anti-forgery check failed). Nothing was changed.");
            return;
        }

        var form = await http.Request.ReadFormAsync();
        var decision = form["decision"].ToString();
        var comment = form["comment"].ToString();
        if (decision is not ("approve" or "reject"))
        {
            await WriteRefusalAsync(http, 400, "No decision", "Choose Approve or Reject. Nothing was changed.");
            return;
        }

        var view = await LoadAsync(http, token);
        if (view.Refusal is not null || await view.EligibilityAsync(caller, http.RequestAborted) is not null)
        {
            await view.RenderAsync(http);
            return;
        }

        var claims = view.Claims!;
        if (claims.ApproverId is not null
            && !await links.ConsumeAsync(view.Issued!, caller.Id, time.GetUtcNow(), http.RequestAborted))
        {
            await WriteRefusalAsync(http, 409, "This link was already used", "A decision was already made with it. Nothing was changed.");
            return;
        }

        try
        {
            var receipt = await runs.DecideAsync(claims.RunId, caller, decision == "approve",
                string.IsNullOrWhiteSpace(comment) ? null : comment, claims.Channel, http.RequestAborted, new UsedLink(claims.LinkId, claims.Gate, claims.ChangeDigest));
            await new HtmlPage()
                .Heading($"{view.Status!.Workflow}: gate {claims.Gate}")
                .Banner("ok", receipt.Approved ? "Approved." : "Rejected.",
                    $"{caller.Name}, your decision on run {claims.RunId} was recorded{(receipt.AlreadyRecorded ? " (you had already given it)" : string.Empty)} as {receipt.MatchedAs}, via {claims.Channel}.")
                .WriteAsync(http.Response, 200, "Decision recorded");
        }
        catch (RunRequestException ex)
        {
            await WriteRefusalAsync(http, ex.Status, ex.Title, ex.Message + " Nothing was changed.");
        }
    }

    /// <summary>The page's own path as this request reached it (the standalone host serves it at /approvals, Functions at /api/approvals).</summary>
    private static string SelfPath(HttpContext http) => (http.Request.PathBase + http.Request.Path).Value!;

    private ApprovalLinkSigner? Signer() => approvals.Value.Key is { } key ? new ApprovalLinkSigner(key) : null;

    private static Task WriteRefusalAsync(HttpContext http, int status, string title, string detail) =>
        new HtmlPage().Heading("DurableAgentOps approval").Banner("refused", title, detail).WriteAsync(http.Response, status, title);

    /// <summary>Everything the page needs, checked in order: the link, the run, the gate, the change.</summary>
    private async Task<PageView> LoadAsync(HttpContext http, string token)
    {
        var now = time.GetUtcNow();
        if (Signer() is not { } signer)
        {
            return PageView.Refuse(503, "Approval links are off", $"This host has no {ApprovalsOptions.Section}:LinkSigningKey; decide with 'agentops approve'.");
        }

        var problem = signer.Verify(token, now, out var claims);
        if (problem is LinkProblem.Malformed or LinkProblem.Tampered)
        {
            return PageView.Refuse(400, "This link is not valid", "It was not issued by this host, or it was altered. Nothing was changed.");
        }

        if (problem == LinkProblem.Expired)
        {
            return PageView.Refuse(410, "This link has expired", $"It was good until {claims!.Expires.ToString("u", CultureInfo.InvariantCulture)}. Nothing was changed.");
        }

        // The link's row, the run and the change depend only on the verified link, so they are read together.
        var issuedRead = links.GetAsync(claims!.RunId, claims.LinkId, http.RequestAborted);
        var runRead = runs.GetForLinkAsync(claims.RunId, http.RequestAborted);
        var changeRead = changes.LoadAsync(claims.RunId, claims.ChangeDigest, http.RequestAborted);
        await Task.WhenAll(issuedRead, runRead, changeRead);
        var issued = await issuedRead;
        if (issued is null)
        {
            return PageView.Refuse(400, "This link is not valid", "This host has no record of issuing it. Nothing was changed.");
        }

        if (await runRead is not { } status)
        {
            return PageView.Refuse(404, "No such run", $"Run {claims.RunId} is not on this host.");
        }

        var snapshot = await definitions.LoadAsync(status.Workflow, status.DefinitionSha256, http.RequestAborted);
        // Shown only under this host's seal: storage alone cannot rewrite a column, the before values included.
        var change = await changeRead is { } stored && approvals.Value.Key is { } key && stored.IsSealedBy(key) ? stored : null;
        var view = new PageView(claims, status, issued, snapshot, change, runs, antiforgery, runOptions.Value.Environment);
        if (claims.ApproverId is not null && issued.UsedBy is not null)
        {
            view.Refusal = (409, "This link was already used", $"A decision was made with it at {issued.UsedAt:u}. Nothing was changed.");
        }
        else if (status.WaitingFor is not { } wait || wait.Gate != claims.Gate || wait.ChangeDigest != claims.ChangeDigest)
        {
            var state = status.WaitingFor is { } w ? $"it now waits at gate {w.Gate} for another change" : $"it is {status.Status} ({status.Outcome ?? status.Phase})";
            view.Refusal = (409, "This link is superseded", $"Run {claims.RunId} no longer waits for this change at gate {claims.Gate}: {state}. Nothing was changed.");
        }
        else if (change is null)
        {
            // Fail closed: nobody decides on a change they cannot be shown as the digest (and so the write) has it.
            view.Refusal = (409, "This change cannot be shown",
                $"The stored copy of change {claims.ChangeDigest[..12]}… is missing, or does not match the digest the write is bound to. Nothing was " +
                "changed. Tell an administrator: the change store may have been altered (agentops verify checks the run's evidence).");
        }

        return view;
    }

    /// <summary>What the page shows for one link, and the refusal when it offers no decision.</summary>
    private sealed class PageView(
        ApprovalLinkClaims? claims, RunStatus? status, IssuedLink? issued, WorkflowSnapshot? snapshot, ProposedChange? change, RunService? runs,
        IAntiforgery? antiforgery, string environment)
    {
        public (int Status, string Title, string Detail)? Refusal { get; set; }

        public ApprovalLinkClaims? Claims => claims;

        public RunStatus? Status => status;

        /// <summary>The link's row as read for this request; consuming it is conditional on that version.</summary>
        public IssuedLink? Issued => issued;

        public static PageView Refuse(int code, string title, string detail) =>
            new(null, null, null, null, null, null, null, "local") { Refusal = (code, title, detail) };

        /// <summary>Why this signed-in person cannot decide with this link, or null when they can.</summary>
        public async Task<string?> EligibilityAsync(Caller caller, CancellationToken cancellationToken)
        {
            // A personal link names the approver's directory object id (the tenant is the one this host trusts).
            if (claims!.ApproverId is { } approver && !string.Equals(approver, caller.ObjectId, StringComparison.OrdinalIgnoreCase))
            {
                return $"This link was sent to another approver; you are signed in as {caller.Name}. Use your own link.";
            }

            if (status!.WaitingFor is { SeparationOfDuties: true } && caller.Id == status.Initiator.Id)
            {
                return $"{caller.Name}, you started this run: gate {claims.Gate} separates duties, so someone else must decide.";
            }

            try
            {
                return await runs!.MatchApproverAsync(status, claims.Gate, caller, cancellationToken) is null
                    ? $"{caller.Name} is not an approver of gate {claims.Gate}."
                    : null;
            }
            catch (RunRequestException ex)
            {
                return ex.Message;
            }
        }

        public async Task RenderAsync(HttpContext http)
        {
            if (status is null || claims is null)
            {
                var (code, title, detail) = Refusal!.Value;
                await WriteRefusalAsync(http, code, title, detail);
                return;
            }

            var page = new HtmlPage().Heading($"{status.Workflow}: approval at gate {claims.Gate}");
            var signedIn = await http.AuthenticateAsync(AuthenticationSetup.PagesScheme);
            var caller = signedIn.Succeeded ? CallerClaims.From(signedIn.Principal!) : null;
            var why = Refusal is null && caller is not null ? await EligibilityAsync(caller, http.RequestAborted) : null;
            if (Refusal is { } refused)
            {
                page.Banner("refused", refused.Title, refused.Detail);
            }
            else if (why is not null)
            {
                page.Banner("refused", "You cannot decide with this link.", why);
            }
            else if (caller is null)
            {
                page.Banner("wait", "Waiting for a decision.",
                    $"Deadline {status.WaitingFor!.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}. Sign in to decide; opening this page decides nothing.");
            }

            Describe(page);
            if (Refusal is null && caller is null)
            {
                page.Link($"{SelfPath(http)}/sign-in", "Sign in to decide", "sign-in");
            }
            else if (Refusal is null && caller is not null && why is null)
            {
                http.User = signedIn.Principal!;
                var tokens = antiforgery!.GetAndStoreTokens(http);
                page.Section($"Your decision, {caller.Name}").DecisionForm(SelfPath(http), tokens.FormFieldName, tokens.RequestToken!, RunService.MaxCommentLength);
            }

            await page.WriteAsync(http.Response, Refusal?.Status ?? 200, $"Approval: {status.Workflow}");
        }

        private void Describe(HtmlPage page)
        {
            var wait = status!.WaitingFor;
            page.Facts([
                ("Workflow", status.Workflow),
                ("Run", status.RunId),
                ("Started by", status.Initiator.ToString()),
                ("Started at", status.CreatedAt.ToString("u", CultureInfo.InvariantCulture)),
                ("Sent by", claims!.Channel),
            ], "run");

            page.Section("The exact change").Paragraph($"Change {claims.ChangeDigest} (SHA-256 of the calls the write will send; it sends exactly these or nothing).", "digest");
            page.ChangeTable("change", change?.Lines ?? []);

            var step = snapshot?.Definition.FindStep(wait?.StepId ?? claims.StepId);
            var identity = step is null ? null : snapshot!.Identities.FirstOrDefault(i => i.Name == step.Identity);
            if (step is not null && identity is not null)
            {
                page.Section("Who will write it").Facts([
                    ("Identity", identity.Name),
                    ("Client id", identity.ClientIds.GetValueOrDefault(environment) ?? "(not set)"),
                    ("Step", $"{step.Id} ({step.Kind.ToString().ToLowerInvariant()})"),
                    ("Granted scope", string.Join("\n", NotifyApproversActivity.ScopeLines(identity, step))),
                    ("Step's declared scope", $"operations: {string.Join(", ", step.Scope.Operations)}\nfields: {(step.Scope.Fields.Count == 0 ? "none" : string.Join(", ", step.Scope.Fields))}"),
                ], "writer");
            }

            var gate = snapshot?.Definition.FindGate(claims.Gate);
            page.Section("Why this gate").Facts([
                ("Gate", claims.Gate),
                ("Why", wait?.Why ?? "(closed)"),
                ("Approvers", gate is null ? "(unknown)" : string.Join(", ", gate.Approvers.Select(a => $"{a.Kind.ToString().ToLowerInvariant()} {a.Name}"))),
                ("Quorum", $"{wait?.ApprovalsSoFar ?? 0} of {gate?.Quorum ?? 1} so far"),
                ("Separation of duties", gate?.SeparationOfDuties == false ? "off" : "on: the initiator may not decide"),
                ("Deadline", (wait?.ExpiresAt ?? claims.Expires.UtcDateTime).ToString("u", CultureInfo.InvariantCulture)),
            ], "gate");
            var answers = status.Approvals.Where(a => a.Approver is not null).ToList();
            if (answers.Count == 0)
            {
                page.Paragraph("Nobody has answered yet.", "answers");
            }
            else
            {
                page.Table("answers", ["Who", "Decision", "When", "Counted"], answers.Select(a => (IReadOnlyList<string>)[a.Approver!.ToString(),
                    a.Approved == true ? "approved" : "rejected", a.At.ToString("u", CultureInfo.InvariantCulture), a.Counted]));
            }

            page.Section("Evidence so far").Table("evidence", ["Step", "Identity", "Client id", "Operations", "Records", "Outcome"],
                status.Steps.Select(s => (IReadOnlyList<string>)[s.StepId, s.Identity, s.ClientId, string.Join(", ", s.Operations), string.Join(", ", s.Records), s.Outcome]));
        }
    }
}

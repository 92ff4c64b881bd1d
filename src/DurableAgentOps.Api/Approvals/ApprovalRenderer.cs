using DurableAgentOps.Api.Pages;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Api.Approvals;

/// <summary>
/// The approval page's screens, decision first. Before sign-in: only that a review waits, its deadline and a sign-in
/// button (a forwarded mail or a scanner learns nothing). Signed in, someone who cannot decide: the reason, nothing
/// else. An approver: the sentence, who asked, why, the deadline and the form on the first screen of a phone; the exact
/// change, the writer (for a write made as the person who started the run, said plainly on the first screen and in the
/// writer's part), the answers and the identifiers below.
/// </summary>
internal static class ApprovalRenderer
{
    /// <summary>The page's own style, added to the shared one: stacked fields, wrapping values, large targets, visible focus.</summary>
    public const string Style =
        "main{padding:1rem}h1,h2,h3{overflow-wrap:break-word;word-break:normal;hyphens:manual}textarea{box-sizing:border-box}h3{font-size:1rem;margin:1rem 0 .3rem}" +
        "p,li,dd,dt,summary,.banner{overflow-wrap:anywhere}.lead{font-size:1.15rem;line-height:1.45;margin:.4rem 0 .8rem}" +
        "dl{grid-template-columns:minmax(6rem,max-content) minmax(0,1fr)}" +
        "dl.change-fields{display:block;background:#fff;border:1px solid #d0d7de;border-radius:.4rem;padding:.5rem .75rem;margin:0}" +
        "dl.change-fields dt{margin-top:.5rem}dl.change-fields dt:first-child{margin-top:0}dl.change-fields dd{margin:0 0 0 .75rem}" +
        "del{color:#57606a}ins{text-decoration:none}.tag{display:inline-block;font-size:.75rem;font-weight:600;text-transform:uppercase;color:#3d444d;margin-right:.3rem}" +
        "form#decision{background:#fff;border:1px solid #d0d7de;border-radius:.4rem;padding:.75rem;margin:.8rem 0}form#decision label{font-weight:600}" +
        "form#decision p{display:flex;gap:.75rem;flex-wrap:wrap;margin:.6rem 0 0}form#decision button{min-height:2.75rem;min-width:7rem;font-weight:600}" +
        "button#approve{background:#1a7f37;border-color:#1a7f37}a.button{min-height:2.75rem;box-sizing:border-box;display:inline-flex;align-items:center;font-weight:600}" +
        ":focus-visible{outline:3px solid #0550ae;outline-offset:2px}details{margin-top:1.6rem;background:#fff;border:1px solid #d0d7de;border-radius:.4rem;padding:.5rem .75rem}" +
        "summary{cursor:pointer;font-weight:600}ul{padding-left:1.2rem}.muted{color:#57606a}" +
        "@media (max-width:40rem){dl{grid-template-columns:minmax(0,1fr)}dt{margin-top:.4rem}dd{margin-left:.5rem}h1{font-size:1.25rem}}";

    /// <summary>A refusal with no business data: the title, the detail, and no way on.</summary>
    public static Task WriteRefusalAsync(HttpContext http, int status, string title, string detail) =>
        new HtmlPage(Style).Heading("Review").Banner("refused", title, detail).WriteAsync(http.Response, status, title);

    /// <summary>Before sign-in: that a review waits and until when, and the sign-in button.</summary>
    public static Task WriteWaitingAsync(HttpContext http, ApprovalView view, string signIn, DateTimeOffset now) =>
        new HtmlPage(Style)
            .Heading("A review is waiting for you")
            .Text("lead", "Someone asked for your decision on a change. Sign in to see it and decide; opening this page decides nothing.", "summary")
            .Facts([("Decide by", ApprovalWords.Deadline(Deadline(view), now))], "deadline")
            .Link(signIn, "Sign in to review", "sign-in")
            .WriteAsync(http.Response, 200, "Review waiting");

    /// <summary>A closed review: who decided and when for those who may see it, else only that it is closed.</summary>
    public static Task WriteClosedAsync(HttpContext http, ApprovalView view, bool mayKnow, string? signIn)
    {
        var refusal = view.Refusal!;
        var decided = mayKnow ? Decided(view) : null;
        var page = new HtmlPage(Style).Heading("This review is closed")
            .Banner("refused", decided is null ? "This review is closed." : $"This review is closed: {decided}.",
                mayKnow ? refusal.Detail : "Nothing more is needed from this link."); // where the run went, only to those who may know
        if (signIn is not null)
        {
            page.Link(signIn, "Sign in to see who decided", "sign-in");
        }

        return page.WriteAsync(http.Response, refusal.Status, "Review closed");
    }

    /// <summary>Signed in, but this person cannot decide with this link: the reason only.</summary>
    public static Task WriteNotYoursAsync(HttpContext http, string why) =>
        new HtmlPage(Style).Heading("You cannot decide on this review")
            .Banner("refused", "You cannot decide with this link.", why + " Nothing was changed.")
            .WriteAsync(http.Response, 200, "Review");

    /// <summary>The decision page of an approver who may decide now.</summary>
    public static Task WriteDecisionAsync(HttpContext http, ApprovalView view, Caller caller, string action, (string Field, string Token) antiforgery, DateTimeOffset now)
    {
        var status = view.Status!;
        var claims = view.Claims!;
        var wait = status.WaitingFor!;
        var lines = view.Change?.Lines ?? [];
        var changed = ApprovalWords.Changed(view.Change);
        var page = new HtmlPage(Style)
            .Heading($"Your review: {status.Workflow}")
            .Text("lead", ApprovalWords.Sentence(view.Change), "summary")
            .Facts([
                ("Asked by", status.Initiator.Name),
                .. view.MadeAs is { } person && view.Writer is { } writer ? [("Made as", ApprovalWords.MadeAs(person.Name, writer.Identity.Name))] : Array.Empty<(string, string)>(),
                ("Why you are asked", wait.Why ?? "this step waits for approval"),
                ("Decide by", ApprovalWords.Deadline(Deadline(view), now)),
            ], "context");
        page.DecisionForm(action, antiforgery.Field, antiforgery.Token, RunService.MaxCommentLength);

        page.Section("The exact change");
        var unchanged = lines.Count - changed.Count;
        page.Paragraph(unchanged == 0
            ? "It sends exactly this, or nothing."
            : $"It sends exactly this, or nothing. {unchanged} field{(unchanged == 1 ? " keeps its" : "s keep their")} current value and {(unchanged == 1 ? "is" : "are")} not listed.", "change-note");
        page.ChangeList("change", changed, "Nothing changes.");

        if (wait.Read is { Count: > 0 } read)
        {
            // The facts as the run's reads recorded them, so an approver can check a drafted text against its source.
            page.Section("What the run read").Paragraph("The values this change and the choice of gate rest on, as the systems answered them (input: as the run was started).", "read-note");
            page.Facts(read.Select(f => (f.Path, f.Value)), "read");
        }

        Writer(page, view);

        page.Section("Answers");
        var answers = view.Answers;
        var quorum = view.Snapshot?.Definition.FindGate(claims.Gate)?.Quorum ?? wait.Quorum;
        page.Text("progress", ApprovalWords.Progress(wait.ApprovalsSoFar, quorum), "progress");
        if (answers.Count > 0)
        {
            page.Items("answers", answers.Select(a =>
                $"{a.Approver!.Name} {(a.Approved == true ? "approved" : "rejected")} on {ApprovalWords.Date(new DateTimeOffset(DateTime.SpecifyKind(a.At, DateTimeKind.Utc)))}" +
                (string.IsNullOrWhiteSpace(a.Comment) ? string.Empty : $": “{a.Comment}”")));
        }

        var gate = view.Snapshot?.Definition.FindGate(claims.Gate);
        page.Facts([
            ("Who may approve", gate is null ? "(unknown)" : string.Join(", ", gate.Approvers.Select(a => $"{a.Kind.ToString().ToLowerInvariant()} {a.Name}"))),
            ("Separation of duties", wait.SeparationOfDuties ? "on: the person who started the run may not decide" : "off"),
        ], "gate");

        page.Details("Technical details", "technical", details => Technical(details, view));
        return page.WriteAsync(http.Response, 200, $"Review: {status.Workflow}");
    }

    /// <summary>The receipt after a decision: what it did to the count, in the colour of what was decided.</summary>
    public static Task WriteReceiptAsync(HttpContext http, ApprovalView view, Caller caller, DecisionReceipt receipt, Uri runPage, DateTimeOffset now)
    {
        var wait = view.Status!.WaitingFor!;
        var quorum = view.Snapshot?.Definition.FindGate(receipt.Gate)?.Quorum ?? wait.Quorum;
        var counted = wait.ApprovalsSoFar + (receipt.Approved && !receipt.AlreadyRecorded ? 1 : 0);
        var recorded = receipt.AlreadyRecorded ? "was already recorded" : "is recorded";
        var madeAs = view.MadeAs is { } person ? $" as {person.Name}" : string.Empty; // a delegated write: in the name of the person who started the run
        var title = !receipt.Approved ? $"Your rejection {recorded} — the change will not be made."
            : counted >= quorum ? (quorum == 1 ? $"Your approval {recorded} — the change will be made{madeAs}." : $"Your approval {recorded} — {quorum} of {quorum} approvals, the change will be made{madeAs}.")
            : $"Your approval {recorded} — {ApprovalWords.Progress(counted, quorum).Replace(" — ", ", ", StringComparison.Ordinal)}.";
        var page = new HtmlPage(Style)
            .Heading(receipt.Approved ? "You approved" : "You rejected")
            .Banner(receipt.Approved ? "ok" : "refused", title,
                $"{caller.Name}, {ApprovalWords.Date(now)}, from {ChannelWords(view.Claims!.Channel)}.", "receipt");
        if (view.Change is { } change)
        {
            page.Text("lead", ApprovalWords.Sentence(change), "summary");
        }

        page.Link(runPage.AbsoluteUri, "Follow the run", "run-page");
        return page.WriteAsync(http.Response, 200, "Decision recorded");
    }

    private static void Writer(HtmlPage page, ApprovalView view)
    {
        if (view.Writer is not { } writer)
        {
            return;
        }

        var (step, identity) = writer;

        var records = step.Scope.Records.Select(r => $"{r.Key} is {string.Join(" or ", r.Value)}").ToList();
        page.Section("Who will write it");
        if (view.MadeAs is { } person)
        {
            var systems = step.Scope.Operations.DefaultIfEmpty(step.Operation ?? string.Empty)
                .Select(o => OperationName.TryParse(o, out var name) ? name.System : null).OfType<string>().Append(step.System).OfType<string>();
            page.Paragraph(ApprovalWords.Delegated(person.Name, identity.Name, systems), "delegated");
        }

        page.Facts([
            .. view.MadeAs is { } made ? [("Made as", $"{made.Name} (delegated)")] : Array.Empty<(string, string)>(),
            ("Identity", string.IsNullOrWhiteSpace(identity.Description) ? identity.Name : $"{identity.Name}: {identity.Description}"),
            ("It may", ApprovalWords.Operations(step.Scope.Operations.DefaultIfEmpty(step.Operation ?? string.Empty).Where(o => o.Length > 0))),
            ("Only records where", records.Count == 0 ? "any record" : ApprovalWords.Join(records)),
            ("Only these fields", step.Scope.Fields.Count == 0 ? "none" : ApprovalWords.Join(step.Scope.Fields)),
        ], "writer");
    }

    private static void Technical(HtmlPage page, ApprovalView view)
    {
        var status = view.Status!;
        var claims = view.Claims!;
        var step = view.Writer?.Step;
        var identity = view.Writer?.Identity;
        var facts = new List<(string, string)>
        {
            ("Run", status.RunId),
            ("Workflow", $"{status.Workflow} (definition {status.DefinitionSha256})"),
            ("Started", $"{status.Initiator} on {ApprovalWords.Date(status.CreatedAt)}"),
            ("Step and gate", $"{claims.StepId}, gate {claims.Gate}"),
            ("Sent by", claims.Channel),
            ("Change digest", $"{claims.ChangeDigest} (SHA-256 of the calls the write will send)"),
        };
        if (step is not null && identity is not null)
        {
            var clientId = identity.ClientIds.GetValueOrDefault(view.Environment) ?? "(not set)";
            if (view.MadeAs is { } person)
            {
                facts.Add(("Made as", $"{person} (id {person.Id}), the person who started the run: {identity.Name} acts for them through the on-behalf-of flow"));
                facts.Add(("Writer's client id", $"{clientId} (the app that acts for {person.Name})"));
            }
            else
            {
                facts.Add(("Writer's client id", clientId));
            }

            facts.Add(("Writer's granted scope", string.Join("\n", NotifyApproversActivity.ScopeLines(identity, step))));
            facts.Add(("Step's declared scope",
                $"operations: {string.Join(", ", step.Scope.Operations)}\nfields: {(step.Scope.Fields.Count == 0 ? "none" : string.Join(", ", step.Scope.Fields))}"));
        }

        page.Facts(facts, "identifiers");
        page.Items("steps", status.Steps.Select(s =>
            $"{s.StepId}: {s.Outcome}, as {s.Identity} (client id {s.ClientId})" +
            (s.ActedFor is { } acted ? $" for {acted.SubjectName} (delegated; subject {acted.SubjectId}, acting app {acted.ActorClientId})" : string.Empty) +
            $"; {string.Join(", ", s.Operations)}" +
            (s.Records.Count == 0 ? string.Empty : $" on {string.Join(", ", s.Records)}")));
    }

    /// <summary>Who decided a closed review and when, or null when nobody did through the approval service.</summary>
    private static string? Decided(ApprovalView view)
    {
        var answers = view.Answers;
        return answers.Count == 0
            ? null
            : ApprovalWords.Join([.. answers.Select(a =>
                $"{a.Approver!.Name} {(a.Approved == true ? "approved" : "rejected")} on {ApprovalWords.Date(new DateTimeOffset(DateTime.SpecifyKind(a.At, DateTimeKind.Utc)))}")]);
    }

    private static DateTimeOffset Deadline(ApprovalView view) =>
        view.Status?.WaitingFor is { } wait ? new DateTimeOffset(DateTime.SpecifyKind(wait.ExpiresAt, DateTimeKind.Utc)) : view.Claims!.Expires;

    private static string ChannelWords(string channel) => channel switch
    {
        "email" => "the approval mail",
        "teams" => "the Teams card",
        _ => channel,
    };
}

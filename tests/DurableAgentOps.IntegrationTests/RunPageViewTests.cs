using System.Net;
using DurableAgentOps.Api.Runs;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The run page's words for the states a browser test does not reach in a few seconds (a failed write, a timed-out
/// gate, a written change, a second approval still needed), rendered from a run status as the run service returns it
/// and the shipped crm-followup definition.
/// </summary>
public sealed class RunPageViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly PrincipalRef Alice = new("t/alice", "Alice Martin", "alice@contoso.example");
    private static readonly PrincipalRef Bob = new("t/bob", "Bob Manager", "bob.manager@contoso.example");
    private static readonly Caller AliceSignedIn = new("t/alice", "alice", "t", "Alice Martin", "alice@contoso.example",
        new HashSet<string>(StringComparer.Ordinal) { AppRoles.Starter }, null, null);

    private static readonly WorkflowSnapshot CrmFollowup = Snapshot();
    private static readonly WorkflowSnapshot CrmCallNote = Snapshot("crm-call-note");

    [Fact]
    public async Task Render_FailedWrite_SaysWhichStepFailedInARedBanner_TheRawReasonOnlyToAnInvestigator()
    {
        var status = Status("Failed", "failed", "failed", steps: [Step("read-account", StepKind.Read, "crm-reader")],
            failure: new RunFailure("write-followup", "crm-writer", "the CRM refused the task: 422 ownerId is not a user"));

        var (code, html) = await RenderAsync(status);
        var (_, investigators) = await RenderAsync(status, investigator: true);

        Assert.Equal(200, code);
        Assert.Contains("banner refused\" id=\"status\" role=\"status\"><strong>Stopped: Create the task and the note on the account failed.</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("422 ownerId is not a user", html, StringComparison.Ordinal);
        Assert.Contains("It ran under crm-writer.", html, StringComparison.Ordinal);
        Assert.Contains("Because: the CRM refused the task: 422 ownerId is not a user", investigators, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_TimedOut_SaysNobodyDecidedInTimeAndNothingWasWritten()
    {
        var (_, html) = await RenderAsync(Status("Completed", "timed-out", "timed-out"));

        Assert.Contains("<strong>Finished: nobody decided in time.</strong> The approval was not given before its deadline, so nothing was written.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_CompletedWrite_SaysWrittenAndWhoApprovedInAGreenBanner()
    {
        var approved = new ApprovalRecord("write-followup", "manager-review", "d1", Bob, true, "email", "group emea-sales-managers", "Fine", Now.UtcDateTime.AddHours(-1), "counted");
        var status = Status("Completed", "completed", "completed", steps: [Step("write-followup", StepKind.Write, "crm-writer")], approvals: [approved]);

        var (_, html) = await RenderAsync(status);

        Assert.Contains("banner ok\" id=\"status\" role=\"status\"><strong>Finished: the change was written.</strong> Approved by Bob Manager (today, 11:00 UTC).", html, StringComparison.Ordinal);
        Assert.Contains("<strong>Bob Manager approved</strong><span class=\"meta\">today, 11:00 UTC · via the approval mail</span><blockquote class=\"comment\">Fine</blockquote>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_SecondApprovalStillNeeded_SaysOneOfTwoAndWaitingForOneMore()
    {
        var wait = new ApprovalWait("write-followup", "manager-review", ["group:emea-sales-managers", "person:head.of.sales@contoso.example"], 2, "P2D",
            Now.UtcDateTime.AddDays(1), 1, true, Alice);
        var first = new ApprovalRecord("write-followup", "manager-review", "d1", Bob, true, "teams", "group emea-sales-managers", null, Now.UtcDateTime.AddHours(-2), "counted");

        var (_, html) = await RenderAsync(Status("Running", "awaiting-approval", null, wait: wait, approvals: [first]));

        Assert.Contains("<strong>Waiting for approval at manager-review since 6 Dec 2026, 12:00 UTC.</strong> Asked: members of emea-sales-managers, " +
            "head.of.sales@contoso.example; 1 of 2 approvals so far — waiting for 1 more. The decision is due by 8 Dec 2026, 12:00 UTC.", html, StringComparison.Ordinal);
        Assert.Contains("<strong>Bob Manager approved</strong><span class=\"meta\">today, 10:00 UTC · via Teams</span><span class=\"meta\">No comment.</span>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_DelegatedSteps_ShowAsThePersonViaTheIdentity_TheServiceStepAsItsIdentity()
    {
        var acted = new ActedFor("t/alice", "Alice Martin", "6f1c0a10-0000-4000-8000-0000000000a1");
        var status = Status("Running", "running", null, steps: [Step("read-account", StepKind.Read, "crm-reader"), Step("read-my-call", StepKind.Read, "crm-rep-reader") with { ActedFor = acted }],
            definition: CrmCallNote) with { Workflow = "crm-call-note", CurrentStep = "draft-note" };

        var (_, html) = await RenderAsync(status, definition: CrmCallNote);

        Assert.Contains("done today, 09:00 UTC · as Alice Martin (delegated, via crm-rep-reader)</span>", html, StringComparison.Ordinal);
        Assert.Contains("still to come · as Alice Martin (delegated, via crm-rep-writer)</span>", html, StringComparison.Ordinal); // the write, before it ran: the initiator
        var service = html[html.IndexOf("<strong>Read the account (name, tier, region)</strong>", StringComparison.Ordinal)..];
        Assert.StartsWith("<strong>Read the account (name, tier, region)</strong><span class=\"meta\">done today, 09:00 UTC · as crm-reader (", service, StringComparison.Ordinal);
        Assert.DoesNotContain("delegated", service[..service.IndexOf("</li>", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_ServiceIdentitiesOnly_SaysNothingOfDelegation()
    {
        var (_, html) = await RenderAsync(Status("Completed", "completed", "completed", steps: [Step("write-followup", StepKind.Write, "crm-writer")]));

        Assert.DoesNotContain("delegated", html, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<(int Status, string Html)> RenderAsync(RunStatus status, bool investigator = false, WorkflowSnapshot? definition = null)
    {
        var access = new RunPageAccess(status, definition ?? CrmFollowup, Initiator: true, ApproverOf: null, Reader: false, Investigator: investigator);
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();

        await new RunPageView(access, AliceSignedIn, Now, string.Empty).Render().WriteAsync(http.Response, 200, "run");

        http.Response.Body.Position = 0;
        return (http.Response.StatusCode, WebUtility.HtmlDecode(await new StreamReader(http.Response.Body).ReadToEndAsync()));
    }

    private static RunStatus Status(
        string runtime, string phase, string? outcome, IReadOnlyList<StepSummary>? steps = null, IReadOnlyList<ApprovalRecord>? approvals = null,
        ApprovalWait? wait = null, RunFailure? failure = null, WorkflowSnapshot? definition = null) =>
        new("crm-followup-0123456789ab", "crm-followup", (definition ?? CrmFollowup).Sha256, runtime, phase, wait?.StepId, Alice, outcome, wait, steps ?? [], approvals ?? [],
            0, failure, Now.AddHours(-3), Now.AddMinutes(-5), [], []);

    private static StepSummary Step(string id, StepKind kind, string identity) =>
        new(id, kind, identity, "00000000-0000-0000-0000-000000000000", StepScope.Empty, [], [], Now.AddHours(-3), 10, "succeeded", "worker", null);

    private static WorkflowSnapshot Snapshot(string workflow = "crm-followup")
    {
        var path = Path.Combine(RepoPaths.Root, "workflows", $"{workflow}.yaml");
        var catalogue = WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml"));
        return WorkflowSnapshot.Create(WorkflowLoader.Load(path).Definition!, catalogue.Catalogue);
    }
}

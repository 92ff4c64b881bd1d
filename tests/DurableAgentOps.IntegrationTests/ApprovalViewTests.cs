using System.Net;
using DurableAgentOps.Api.Approvals;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The approval page's screens rendered without a host, from a run waiting at its gate as the run service returns it
/// and the shipped definitions: a write whose identity acts for the person who started the run (crm-call-note's
/// write-note as crm-rep-writer) says plainly, on the first screen and in the writer's part, that the change is made as
/// that person, through the identity and within what they may do; a service identity's write (crm-followup) says
/// nothing of delegation; and before sign-in no name is shown.
/// </summary>
public sealed class ApprovalViewTests
{
    private const string ActingApp = "6f1c0a10-0000-4000-8000-0000000000a1";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly PrincipalRef Alice = new("t/alice", "Alice Martin", "alice@contoso.example");
    private static readonly Caller BobSignedIn = new("t/bob", "bob", "t", "Bob Manager", "bob.manager@contoso.example",
        new HashSet<string>(StringComparer.Ordinal), null, null);

    [Fact]
    public async Task WriteDecision_DelegatedWriter_SaysTheChangeIsMadeAsTheInitiatorThroughTheIdentityWithinTheirRights()
    {
        var html = await DecisionAsync(View("crm-call-note", "write-note", "crm.notes.create"));

        Assert.Contains("<dt>Made as</dt><dd>Alice Martin, who started the run: the change is made in their name (delegated through crm-rep-writer)</dd>", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("Made as", StringComparison.Ordinal) < html.IndexOf("id=\"decision\"", StringComparison.Ordinal), "the first screen, above the form, says whom the change is made as");
        Assert.Contains("The change will be made as Alice Martin, the person who started the run: crm-rep-writer acts for them (delegated), so crm sees Alice Martin as the one "
            + "who makes it. It can do only what Alice Martin may do in crm, and only what this step declares below; crm refuses anything Alice Martin may not do.", html, StringComparison.Ordinal);
        Assert.Contains("<dt>Made as</dt><dd>Alice Martin (delegated)</dd>", html, StringComparison.Ordinal);
        Assert.Contains($"<dt>Writer's client id</dt><dd>{ActingApp} (the app that acts for Alice Martin)</dd>", html, StringComparison.Ordinal);
        Assert.Contains("Alice Martin <alice@contoso.example> (id t/alice), the person who started the run: crm-rep-writer acts for them through the on-behalf-of flow", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteDecision_ServiceWriter_SaysNothingOfDelegation()
    {
        var html = await DecisionAsync(View("crm-followup", "write-followup", "crm.tasks.create"));

        Assert.Contains("Who will write it", html, StringComparison.Ordinal);
        Assert.Contains("crm-writer", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Made as", html, StringComparison.Ordinal);
        Assert.DoesNotContain("delegat", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("acts for", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crm-call-note", "write-note", "Your approval is recorded — the change will be made as Alice Martin.")]
    [InlineData("crm-followup", "write-followup", "Your approval is recorded — the change will be made.")]
    public async Task WriteReceipt_Approved_SaysWhomTheChangeIsMadeAsOnlyForADelegatedWrite(string workflow, string stepId, string title)
    {
        var http = Http();
        var receipt = new DecisionReceipt($"{workflow}-0123456789ab", "manager-review", stepId, "d1", new PrincipalRef("t/bob", "Bob Manager", null), true, "group", false);

        await ApprovalRenderer.WriteReceiptAsync(http, View(workflow, stepId, "crm.notes.create"), BobSignedIn, receipt, new Uri("https://host/runs/r/overview"), Now);

        Assert.Contains($"<strong>{title}</strong>", await ReadAsync(http), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteWaiting_DelegatedWriterBeforeSignIn_ShowsNoNameAndNothingOfTheWriter()
    {
        var http = Http();

        await ApprovalRenderer.WriteWaitingAsync(http, View("crm-call-note", "write-note", "crm.notes.create"), "/approvals/x/sign-in", Now);

        var html = await ReadAsync(http);
        Assert.DoesNotContain("Alice", html, StringComparison.Ordinal);
        Assert.DoesNotContain("crm-rep-writer", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Made as", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteDecision_HostileInitiatorName_IsEncoded()
    {
        var evil = new PrincipalRef("t/alice", "<img src=x onerror=alert(1)>", null);
        var http = Http();

        await ApprovalRenderer.WriteDecisionAsync(http, View("crm-call-note", "write-note", "crm.notes.create", evil), BobSignedIn, "/approvals/x", ("f", "t"), Now);

        http.Response.Body.Position = 0;
        var raw = await new StreamReader(http.Response.Body).ReadToEndAsync();
        Assert.DoesNotContain("<img", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("The change will be made as &lt;img src=x onerror=alert(1)&gt;", raw, StringComparison.Ordinal);
    }

    private static async Task<string> DecisionAsync(ApprovalView view)
    {
        var http = Http();
        await ApprovalRenderer.WriteDecisionAsync(http, view, BobSignedIn, "/approvals/x", ("__RequestVerificationToken", "token"), Now);
        return await ReadAsync(http);
    }

    private static ApprovalView View(string workflow, string stepId, string operation, PrincipalRef? initiator = null)
    {
        var snapshot = Snapshot(workflow);
        var who = initiator ?? Alice;
        var digest = new string('c', 64);
        var wait = new ApprovalWait(stepId, "manager-review", ["group:emea-sales-managers"], 1, "P2D", Now.UtcDateTime.AddDays(2), 0, true, who, digest);
        var status = new RunStatus($"{workflow}-0123456789ab", workflow, snapshot.Sha256, "Running", "awaiting-approval", stepId, who, null, wait, [], [], 0, null,
            Now.AddMinutes(-5), Now.AddMinutes(-1), [], []);
        var claims = new ApprovalLinkClaims(status.RunId, "manager-review", stepId, "bob", "email", digest, "L-1", Now.AddDays(2).ToUnixTimeSeconds());
        var change = new ProposedChange([new ChangeLine("crm", operation, "ACC-000002", "subject", null, "Call summary: Northwind")], ["ACC-000002"], digest);
        return new ApprovalView(claims, status, null, snapshot, change, null, "local");
    }

    private static WorkflowSnapshot Snapshot(string workflow)
    {
        var catalogue = WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml"));
        return WorkflowSnapshot.Create(WorkflowLoader.Load(Path.Combine(RepoPaths.Root, "workflows", $"{workflow}.yaml")).Definition!, catalogue.Catalogue);
    }

    private static DefaultHttpContext Http()
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        return http;
    }

    private static async Task<string> ReadAsync(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return WebUtility.HtmlDecode(await new StreamReader(http.Response.Body).ReadToEndAsync());
    }
}

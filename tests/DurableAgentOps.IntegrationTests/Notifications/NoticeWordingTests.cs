using System.Text.Json.Nodes;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary>What each kind of notice says, in the mail's subject and on the card, and that every kind's card is a valid 1.4 card.</summary>
public sealed class NoticeWordingTests
{
    [Theory]
    [InlineData(NoticeKind.Request, null, "Approval needed", "Review and decide")]
    [InlineData(NoticeKind.Reminder, null, "Reminder: approval still needed", "Review and decide")]
    [InlineData(NoticeKind.Escalation, null, "Escalated: approval needed", "Review and decide")]
    [InlineData(NoticeKind.Outcome, "timed out at gate sales-manager (onTimeout: reject)", "Timed out", "Open the run")]
    public async Task SubjectAndCard_EachKind_SayWhyTheyAreSentAndValidate(NoticeKind kind, string? outcome, string heading, string action)
    {
        var notice = Notices.Request() with { Kind = kind, Outcome = outcome };
        var page = new Uri("https://agentops.contoso.example/runs/r/approvals/g");

        var subject = ApprovalMail.Subject(notice);
        var (body, cut) = AdaptiveCardBuilder.BuildMessage(notice, page);

        Assert.Equal($"{heading}: crm-followup run {notice.RunId} — create a task on ACC-000002", subject);
        Assert.False(cut);
        var card = JsonNode.Parse(body)!["attachments"]![0]!["content"]!.AsObject();
        Assert.Equal(heading, card["body"]![0]!["items"]![0]!["text"]!.GetValue<string>());
        // A request, reminder or escalation also links the run's page; an outcome links only the page it is given.
        Assert.Equal([("$.actions[0]", "Action.OpenUrl", page.AbsoluteUri), .. kind == NoticeKind.Outcome ? [] : new[] { ("$.actions[1]", "Action.OpenUrl", notice.RunPage!.AbsoluteUri) }],
            AdaptiveCardCheck.AllActions(card));
        Assert.Equal(action, card["actions"]![0]!["title"]!.GetValue<string>());
        var report = await AdaptiveCardCheck.ValidateAsync(System.Text.Encoding.UTF8.GetString(body));
        Assert.Empty(report.Errors);
        Assert.Empty(report.Markdown);
    }

    [Theory]
    [InlineData("approved at gate sales-manager; the change was written", true, "Approved", "good", "Good", "#1a7f37")]
    [InlineData("approved at gate sales-manager; the write failed", true, "Approved, but the write did not finish", "warning", "Warning", "#9a6700")]
    [InlineData("rejected at gate sales-manager", false, "Rejected", "attention", "Attention", "#cf222e")]
    [InlineData("timed out at gate sales-manager (onTimeout: reject)", null, "Timed out", "warning", "Warning", "#9a6700")]
    [InlineData("cancelled at gate sales-manager (onTimeout: cancel)", null, "Cancelled", "warning", "Warning", "#9a6700")]
    public async Task Outcome_EachVerdict_CardAndMailAgreeOnWordsAndColour(string outcome, bool? approved, string heading, string style, string colour, string accent)
    {
        NoticeDecision[] decisions = approved is { } verdict ? [Notices.Decision("Bob Manager", verdict)] : [];
        var notice = Notices.Outcome(outcome, NoticeAudience.Channel, decisions);
        var mail = Notices.Outcome(outcome, NoticeAudience.Starter, decisions);
        var alice = new NoticeRecipient("t/alice", "Alice", "alice@contoso.example", Notices.RunPage(notice.RunId));

        var (body, _) = AdaptiveCardBuilder.BuildMessage(notice, Notices.RunPage(notice.RunId));
        var html = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(ApprovalMail.HtmlBody(mail, alice));

        var card = JsonNode.Parse(body)!["attachments"]![0]!["content"]!.AsObject();
        var header = card["body"]![0]!.AsObject();
        Assert.Equal(style, header["style"]!.GetValue<string>());
        Assert.Equal((heading, colour), (header["items"]![0]!["text"]!.GetValue<string>(), header["items"]![0]!["color"]!.GetValue<string>()));
        Assert.StartsWith($"{heading}: crm-followup run", ApprovalMail.Subject(mail), StringComparison.Ordinal);
        Assert.Equal(heading, html.QuerySelector("#banner h2")!.TextContent);
        Assert.Contains($"border-left:6px solid {accent}", html.QuerySelector("#banner")!.GetAttribute("style"), StringComparison.Ordinal);
        var report = await AdaptiveCardCheck.ValidateAsync(System.Text.Encoding.UTF8.GetString(body));
        Assert.Empty(report.Errors);
        Assert.Empty(report.Markdown);
        var texts = string.Join("\n", report.Texts);
        if (approved is not null)
        {
            Assert.Contains($"No longer needed: Bob Manager {(approved == true ? "approved" : "rejected")}. Approvers who had not answered need do nothing", texts, StringComparison.Ordinal);
        }

        foreach (var text in new[] { texts, html.Body!.TextContent, ApprovalMail.Text(mail, alice) })
        {
            Assert.DoesNotContain("so far", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Why you are asked", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Review and decide", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Request_DelegatedWriter_MailAndCardSayTheChangeIsMadeAsTheInitiator_AServiceWriterSaysNothingOfIt()
    {
        var delegated = Notices.Request() with { WriterIdentity = "crm-rep-writer", WriterActsFor = "Alice Initiator" };
        var service = Notices.Request();
        var bob = new NoticeRecipient("t/bob", "Bob", "bob@contoso.example", Notices.RunPage(delegated.RunId));
        const string Expected = "Alice Initiator, who started the run: crm-rep-writer acts for them (delegated), so the change is made in their name, "
            + "limited to what Alice Initiator may do in the system and to the scope below";

        var (body, _) = AdaptiveCardBuilder.BuildMessage(delegated, Notices.RunPage(delegated.RunId));
        var html = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(ApprovalMail.HtmlBody(delegated, bob));

        Assert.Contains($"Made as: {Expected}\n", ApprovalMail.Text(delegated, bob), StringComparison.Ordinal);
        Assert.Contains($"Made as{Expected}", html.Body!.TextContent, StringComparison.Ordinal);
        var report = await AdaptiveCardCheck.ValidateAsync(System.Text.Encoding.UTF8.GetString(body));
        Assert.Empty(report.Errors);
        Assert.Contains(report.Texts, t => t.Contains(Expected, StringComparison.Ordinal));
        var (serviceCard, _) = AdaptiveCardBuilder.BuildMessage(service, Notices.RunPage(service.RunId));
        foreach (var text in new[] { ApprovalMail.Text(service, bob), ApprovalMail.HtmlBody(service, bob), System.Text.Encoding.UTF8.GetString(serviceCard) })
        {
            Assert.DoesNotContain("Made as", text, StringComparison.Ordinal);
            Assert.DoesNotContain("delegated", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(1, 0, "1 approval needed")]
    [InlineData(2, 0, "2 approvals needed, none yet")]
    [InlineData(2, 1, "1 of 2 approvals — waiting for one more")]
    [InlineData(3, 1, "1 of 3 approvals — waiting for two more")]
    public void Approvals_QuorumProgress_SaysWhatIsStillNeeded(int quorum, int so, string expected)
    {
        var notice = Notices.Request() with { Kind = NoticeKind.Reminder, Quorum = quorum, ApprovalsSoFar = so };

        Assert.Equal(expected, NoticeText.Approvals(notice));
        Assert.Contains($"Approvals: {expected}", ApprovalMail.Text(notice, Notices.Person("Bob", "bob@contoso.example")), StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_SeveralOperations_NamesTwoAndCountsTheRest()
    {
        var notice = Notices.Request() with
        {
            Change =
            [
                new ChangeLine("crm", "crm.tasks.create", "ACC-000002", "subject", null, "x"),
                new ChangeLine("crm", "crm.accounts.update", "ACC-000002", "stage", "lead", "customer"),
                new ChangeLine("support", "support.assignments.write", "TCK-1", "queue", "tier1", "tier2"),
            ],
        };

        Assert.Equal($"Approval needed: crm-followup run {notice.RunId} — create a task on ACC-000002 and 2 more changes", ApprovalMail.Subject(notice));
        Assert.Equal("create a task on ACC-000002 and update an account on ACC-000002", NoticeText.Summary(notice.Change.Take(2).ToList()));
    }
}

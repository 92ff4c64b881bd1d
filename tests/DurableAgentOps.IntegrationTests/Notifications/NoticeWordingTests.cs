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
    [InlineData(NoticeKind.Outcome, "timed-out", "Timed-out", "Open the run")]
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
        Assert.Equal([("$.actions[0]", "Action.OpenUrl", page.AbsoluteUri)], AdaptiveCardCheck.AllActions(card));
        Assert.Equal(action, card["actions"]![0]!["title"]!.GetValue<string>());
        var report = await AdaptiveCardCheck.ValidateAsync(System.Text.Encoding.UTF8.GetString(body));
        Assert.Empty(report.Errors);
        Assert.Empty(report.Markdown);
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

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary>
/// The Teams channel posting to a real HTTP receiver (Kestrel) shaped as a Workflows webhook; each card is checked
/// by the adaptivecards library as a 1.4 host and by its JSON tree.
/// </summary>
public sealed class TeamsNotifierTests
{
    private static readonly Uri Page = new("https://agentops.contoso.example/runs/run-1/approvals/sales-manager");

    [Fact]
    public async Task SendAsync_Request_PostsTheEnvelopeWithA14CardThatOnlyOpensThePage()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        using var host = new NotifierHost(Settings(receiver));
        var notice = Notices.Request();

        var result = await host.Teams.SendAsync(notice, Page, CancellationToken.None);

        Assert.True(result is { Channel: "teams", Sent: 1, Failures.Count: 0 }, string.Join("; ", result.Failures));
        var post = Assert.Single(receiver.Posts);
        Assert.StartsWith("application/json", post.ContentType, StringComparison.Ordinal);
        var card = await AssertValidCardAsync(post.Body, notice.RunPage);
        var texts = (await AdaptiveCardCheck.ValidateAsync(post.Body)).Texts.Select(Plain).ToList();
        Assert.Contains("Approval needed", texts);
        Assert.Contains($"crm-followup run {notice.RunId} — create a task on ACC-000002", texts);
        foreach (var expected in new[]
        {
            "crm.tasks.create on ACC-000002 (crm)", "subject", "(new) → Follow up on the renewal", "2031-05-01 → 2031-05-09",
            "crm-writer", "2b7f6c1e-0000-4000-8000-0000000000c4", "crm.tasks.create, crm.tasks:subject,body,dueDate",
            "2031-05-06T07:08:09Z (UTC)", "1 of 2 approvals — waiting for one more", "Alice Initiator",
        })
        {
            Assert.Contains(expected, texts);
        }

        Assert.DoesNotContain(AdaptiveCardBuilder.CutNote, texts);
        Assert.Equal("Review and decide", card["actions"]![0]!["title"]!.GetValue<string>());
        Assert.Equal(220, Assert.Single(host.Logs.Entries, e => e.EventId == 220).EventId);
        AssertNoSecret(host, receiver);
    }

    [Fact]
    public async Task SendAsync_DraftedMarkupAndLinks_ShowAsPlainTextOnTheCard()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        using var host = new NotifierHost(Settings(receiver));
        var drafted = "<script>alert(1)</script> <b>x</b> **bold** _it_ [click](https://evil.example/login) https://evil.example/pay www.evil.example mail@evil.example";
        var notice = Notices.Request(subject: drafted, body: "- not a list\n1. nor this\n# nor a heading\n> nor a quote") with { InitiatorName = "[Alice](https://evil.example)" };

        var result = await host.Teams.SendAsync(notice, Page, CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var body = Assert.Single(receiver.Posts).Body;
        await AssertValidCardAsync(body, notice.RunPage);
        var report = await AdaptiveCardCheck.ValidateAsync(body);
        // What a reader sees is the characters as drafted, none of it a link or formatting.
        var texts = report.Texts.Select(Plain).ToList();
        Assert.Contains($"(new) → {drafted}", texts);
        Assert.Contains("[Alice](https://evil.example)", texts);
        Assert.Contains(texts, t => t.Contains("- not a list", StringComparison.Ordinal) && t.Contains("# nor a heading", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("1. nor this", StringComparison.Ordinal) && t.Contains("> nor a quote", StringComparison.Ordinal));
        Assert.Empty(report.Markdown);
    }

    [Fact]
    public async Task SendAsync_TwoTooManyRequestsThenAccepted_SucceedsAfterTheAskedWaits()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        using var host = new NotifierHost(Settings(receiver));
        receiver.AnswerNext(2, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var result = await host.Teams.SendAsync(Notices.Request(), Page, CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.Accepted], receiver.Posts.Select(p => p.Answered));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"Retry-After: 1 honoured twice, but all took {clock.Elapsed}");
        Assert.Single(receiver.Posts.Select(p => p.Body).Distinct());
        Assert.Equal(2, host.Logs.Entries.Count(e => e.EventId == 221));
        AssertNoSecret(host, receiver);
    }

    [Fact]
    public async Task SendAsync_ServerErrorsBeyondTheRetryBudget_ReportsAFailureWithoutTheUrl()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        using var host = new NotifierHost(Settings(receiver)); // MaxRetries 2: three attempts in all
        receiver.AnswerNext(3, HttpStatusCode.InternalServerError);

        var result = await host.Teams.SendAsync(Notices.Request(), Page, CancellationToken.None);

        Assert.Equal(0, result.Sent);
        Assert.True(result.AllFailed);
        Assert.Equal("the webhook answered 500 InternalServerError; gave up after 3 attempts", Assert.Single(result.Failures));
        Assert.Equal(3, receiver.Posts.Count);
        Assert.Contains(host.Logs.Entries, e => e.EventId == 222);
        AssertNoSecret(host, receiver, result);
    }

    [Fact]
    public async Task SendAsync_WrongSignature_IsPermanentAndNotRetried()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        var settings = Settings(receiver);
        settings["AgentOps:Teams:WebhookUrl"] = receiver.WebhookUrl.AbsoluteUri.Replace(receiver.Signature, "forged", StringComparison.Ordinal);
        using var host = new NotifierHost(settings);

        var result = await host.Teams.SendAsync(Notices.Request(), Page, CancellationToken.None);

        Assert.Equal("the webhook answered 401 Unauthorized (permanent; not retried)", Assert.Single(result.Failures));
        Assert.Single(receiver.Posts);
        Assert.DoesNotContain("forged", host.Logs.AllText, StringComparison.Ordinal);
        AssertNoSecret(host, receiver, result);
    }

    [Fact]
    public async Task SendAsync_RetryAfterLongerThan30Seconds_EndsWithoutWaiting()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        using var host = new NotifierHost(Settings(receiver));
        receiver.AnswerNext(1, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(120));
        var clock = Stopwatch.StartNew();

        var result = await host.Teams.SendAsync(Notices.Request(), Page, CancellationToken.None);

        Assert.Equal("the webhook answered 429 TooManyRequests asking to wait 120 s, longer than 30 s (permanent; not retried)", Assert.Single(result.Failures));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Single(receiver.Posts);
    }

    [Fact]
    public async Task SendAsync_WebhookUnreachable_RetriesThenReportsTheNetworkFailure()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        var url = receiver.WebhookUrl;
        var settings = Settings(receiver);
        await receiver.DisposeAsync(); // nothing listens there any more

        using var host = new NotifierHost(settings);
        var result = await host.Teams.SendAsync(Notices.Request(), Page, CancellationToken.None);

        Assert.Equal("network failure (ConnectionError: ConnectionRefused); gave up after 3 attempts", Assert.Single(result.Failures));
        Assert.DoesNotContain(receiver.Signature, host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(url.AbsolutePath, host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_WebhookSlowerThanTheTimeout_AbandonsThatPostAndRetries()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        var settings = Settings(receiver);
        settings["AgentOps:Teams:Timeout"] = "00:00:01";
        using var host = new NotifierHost(settings);
        receiver.AnswerNext(1, HttpStatusCode.Accepted, delay: TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        var result = await host.Teams.SendAsync(Notices.Request(), Page, CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        Assert.Equal(2, receiver.Posts.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("no answer within 1 s", Assert.Single(host.Logs.Entries, e => e.EventId == 221).Message, StringComparison.Ordinal);
        AssertNoSecret(host, receiver, result);
    }

    [Fact]
    public async Task SendAsync_WebhookNeverAnswersInTime_ReportsTheTimeoutAfterTheRetries()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        var settings = Settings(receiver);
        settings["AgentOps:Teams:Timeout"] = "00:00:01";
        using var host = new NotifierHost(settings);
        receiver.AnswerNext(3, HttpStatusCode.Accepted, delay: TimeSpan.FromSeconds(30));

        var result = await host.Teams.SendAsync(Notices.Request(), Page, CancellationToken.None);

        Assert.Equal("no answer within 1 s; gave up after 3 attempts", Assert.Single(result.Failures));
        Assert.Equal(3, receiver.Posts.Count);
        AssertNoSecret(host, receiver, result);
    }

    [Fact]
    public async Task SendAsync_Outcome_PostsAFollowUpCardNamingWhoDecidedWhereWithTheCommentAndNoLongerNeeded()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        using var host = new NotifierHost(Settings(receiver));
        const string Comment = "<b>No</b>: see [policy](https://evil.example/p) **first**, mail ana@evil.example by 10:30";
        var request = Notices.Request();
        var outcome = request with
        {
            Kind = NoticeKind.Outcome, Outcome = "rejected at gate sales-manager", Audience = NoticeAudience.Channel,
            Decisions = [Notices.Decision("Ana Silva", approved: true, "teams"), Notices.Decision("Bob Manager", approved: false, "email", Comment)],
        };

        await host.Teams.SendAsync(request, Page, CancellationToken.None);
        var result = await host.Teams.SendAsync(outcome, Page, CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        Assert.Equal(2, receiver.Posts.Count);
        var body = receiver.Posts[1].Body;
        var card = await AssertValidCardAsync(body);
        var texts = (await AdaptiveCardCheck.ValidateAsync(body)).Texts;
        Assert.Contains("Rejected", texts);
        Assert.Equal(("attention", "Attention"), (card["body"]![0]!["style"]!.GetValue<string>(), card["body"]![0]!["items"]![0]!["color"]!.GetValue<string>()));
        Assert.Contains("Bob Manager rejected Alice Initiator's crm-followup run at gate sales-manager: nothing was written, and the run stopped.", texts);
        Assert.Contains("Rejected by Bob Manager from the mail link, 2031-05-04T09:30:00Z (UTC)", texts);
        Assert.Contains("Comment: " + Comment, texts); // as typed: no link, no bold, nothing added
        Assert.Contains(texts, t => t.StartsWith("No longer needed: Bob Manager rejected. Approvers who had not answered need do nothing", StringComparison.Ordinal));
        Assert.DoesNotContain(texts, t => t.Contains("so far", StringComparison.Ordinal) || t.Contains("Why you are asked", StringComparison.Ordinal));
        Assert.Equal("Open the run", card["actions"]![0]!["title"]!.GetValue<string>());
        Assert.DoesNotContain(body, c => c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF');
    }

    [Fact]
    public async Task SendAsync_HugeDraftedValues_StaysUnder28KbAndSaysSoOnTheCard()
    {
        await using var receiver = await TeamsReceiver.StartAsync();
        using var host = new NotifierHost(Settings(receiver));
        var huge = string.Concat(Enumerable.Repeat("Ünïcödé [x](https://evil.example) ", 3000)); // ~100 KB a value
        var notice = Notices.Request(subject: huge, body: huge) with
        {
            Change = [.. Enumerable.Range(0, 300).Select(i => new ChangeLine("crm", "crm.tasks.create", "ACC-000002", $"field{i}", huge, huge))],
            WhyThisGate = huge,
            WriterScope = [.. Enumerable.Range(0, 500).Select(i => $"crm.tasks:field{i}")],
        };

        var result = await host.Teams.SendAsync(notice, Page, CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var body = Assert.Single(receiver.Posts).Body;
        var bytes = Encoding.UTF8.GetByteCount(body);
        Assert.True(bytes < 28 * 1000, $"the message takes {bytes} bytes");
        await AssertValidCardAsync(body, notice.RunPage);
        var texts = (await AdaptiveCardCheck.ValidateAsync(body)).Texts;
        Assert.Contains(AdaptiveCardBuilder.CutNote, texts);
        Assert.Contains(texts, t => t.EndsWith("more fields: see the page.", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains('…', StringComparison.Ordinal) && t.StartsWith("Ünïcödé", StringComparison.Ordinal));
    }

    /// <summary>The envelope, the library's verdict as a 1.4 host, the 1.4 type list, OpenUrl-only actions to the page, the size.</summary>
    private static async Task<JsonObject> AssertValidCardAsync(string body, Uri? runPage = null)
    {
        Assert.True(Encoding.UTF8.GetByteCount(body) < AdaptiveCardBuilder.MaxMessageBytes);
        var envelope = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("message", envelope["type"]!.GetValue<string>());
        var attachment = Assert.Single(envelope["attachments"]!.AsArray())!.AsObject();
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment["contentType"]!.GetValue<string>());
        var card = attachment["content"]!.AsObject();
        Assert.Equal("AdaptiveCard", card["type"]!.GetValue<string>());
        Assert.Equal("1.4", card["version"]!.GetValue<string>());
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", card["$schema"]!.GetValue<string>());
        Assert.Empty(AdaptiveCardCheck.TypesOutside14(card));
        var actions = AdaptiveCardCheck.AllActions(card);
        Assert.Equal([("$.actions[0]", "Action.OpenUrl", Page.AbsoluteUri), .. runPage is null ? [] : new[] { ("$.actions[1]", "Action.OpenUrl", runPage.AbsoluteUri) }], actions);

        var report = await AdaptiveCardCheck.ValidateAsync(body);
        Assert.Empty(report.Errors);
        Assert.Equal("1.4", report.Version);
        Assert.Equal([("Action.OpenUrl", Page.AbsoluteUri), .. runPage is null ? [] : new[] { ("Action.OpenUrl", runPage.AbsoluteUri) }], report.Actions.Select(a => (a.Type, a.Url)));
        Assert.Empty(report.Markdown);
        return card;
    }

    private static void AssertNoSecret(NotifierHost host, TeamsReceiver receiver, NoticeResult? result = null)
    {
        var url = receiver.WebhookUrl;
        foreach (var secret in new[] { receiver.Signature, url.AbsoluteUri, url.Query, url.AbsolutePath, Page.AbsoluteUri })
        {
            Assert.DoesNotContain(secret, host.Logs.AllText, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, string.Join("\n", result?.Failures ?? []), StringComparison.Ordinal);
        }
    }

    private static Dictionary<string, string?> Settings(TeamsReceiver receiver) => new()
    {
        ["AgentOps:Teams:WebhookUrl"] = receiver.WebhookUrl.AbsoluteUri,
        ["AgentOps:Teams:MaxRetries"] = "2",
        ["AgentOps:Teams:FirstRetryDelay"] = "00:00:00.050",
    };

    private static string Plain(string text) => text.Trim();
}

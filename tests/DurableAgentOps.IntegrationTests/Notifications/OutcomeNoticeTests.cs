using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary>
/// Everyone hears what concerns them, from a real run: a host mailing smtp4dev and posting to a Teams receiver runs
/// crm-followup to its gate (approvers Bob and Ana), one approver decides with a comment, and the mails are read back
/// from smtp4dev and rendered in headless Chromium at a phone's width.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OutcomeNoticeTests(AzuriteFixture azurite, Smtp4devProcess smtp, BrowserFixture browser)
    : IAsyncLifetime, IClassFixture<Smtp4devProcess>, IClassFixture<BrowserFixture>
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob.manager@contoso.example";
    private const string Ana = "ana.silva@contoso.example";

    // Markup, Markdown, a link, an address, a time and an amount: all shown as typed, none of it a link.
    private const string Comment = "<b>Not</b> this quarter: see [the policy](https://evil.example/p) **first**; ask ana@evil.example at 10:30 about 1,250.00";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private DevServicesProcess dev = null!;
    private HostProcess host = null!;
    private TeamsReceiver teams = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        teams = await TeamsReceiver.StartAsync();
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        HostProcess.SendMailTo(settings, smtp);
        settings["AgentOps__Teams__WebhookUrl"] = teams.WebhookUrl.AbsoluteUri;
        settings["AgentOps__Approvals__LinkSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        host = await HostProcess.StartHealthyAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await teams.DisposeAsync();
        await dev.DisposeAsync();
    }

    [Theory]
    [InlineData(false, "Rejected", "#cf222e", "attention")]
    [InlineData(true, "Approved", "#1a7f37", "good")]
    public async Task Outcome_BobDecidesWithAComment_StarterHearsWhoWhereAndWhatAnaHearsNoLongerNeeded(bool approve, string verdict, string accent, string style)
    {
        var runId = await GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" }, Alice);
        var request = await MailAsync(runId, "Approval needed", Bob);

        using (var bob = host.As(await dev.SignInAsync(Bob)))
        {
            var answer = await bob.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = approve, comment = Comment });
            Assert.True(answer.StatusCode == HttpStatusCode.Accepted, await answer.Content.ReadAsStringAsync());
        }

        var done = await GovernedRuns.WaitFinishedAsync(host, runId);
        var channel = done.GetProperty("approvals").EnumerateArray().Single().GetProperty("channel").GetString()!;
        var words = Runtime.Notifications.NoticeText.ChannelWords(channel);
        var runPage = $"{host.BaseUrl}/runs/{runId}/overview";

        // The starter: the verdict in its colour, who decided, on which channel, and the comment as typed.
        var outcome = await MailAsync(runId, verdict, Alice);
        Assert.StartsWith($"{verdict}: crm-followup run {runId} — create a task on ACC-000002", outcome.Subject, StringComparison.Ordinal);
        var html = new HtmlParser().ParseDocument(outcome.Html!);
        Assert.Contains($"border-left:6px solid {accent}", html.QuerySelector("#banner")!.GetAttribute("style"), StringComparison.Ordinal);
        var decision = Assert.Single(html.QuerySelectorAll(".decision"));
        Assert.StartsWith($"{verdict} by Bob Manager {words}, ", decision.TextContent, StringComparison.Ordinal);
        Assert.Equal("Comment: " + Comment, decision.QuerySelector(".comment")!.TextContent);
        Assert.Empty(html.QuerySelectorAll("b, strong"));
        Assert.Equal([runPage], html.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")).Distinct());
        Assert.Contains($"{verdict} by Bob Manager {words}, ", outcome.PlainText, StringComparison.Ordinal);
        Assert.Contains("Comment: <b>Not</b> this quarter: see [the policy](https[:]//evil[.]example/p) **first**; ask ana[@]evil[.]example at 10:30 about 1,250.00",
            outcome.PlainText, StringComparison.Ordinal);
        foreach (var part in new[] { outcome.PlainText!, html.Body!.TextContent })
        {
            Assert.DoesNotContain("so far", part, StringComparison.Ordinal);
            Assert.DoesNotContain("Why you are asked", part, StringComparison.Ordinal);
        }

        EmailNotifierTests.AssertNoZeroWidth(outcome);

        // Ana was asked and did not answer: she hears her answer is no longer needed; Bob, who answered, does not.
        var released = await MailAsync(runId, "No longer needed", Ana);
        Assert.StartsWith($"No longer needed: Bob Manager {verdict.ToLowerInvariant()}: crm-followup run {runId} — create a task on ACC-000002", released.Subject, StringComparison.Ordinal);
        Assert.Contains("so your answer is no longer needed", released.PlainText, StringComparison.Ordinal);
        Assert.Empty(await smtp.WaitForMessagesAsync(m => m.Subject.Contains(runId, StringComparison.Ordinal) && m.Subject.StartsWith("No longer needed", StringComparison.Ordinal)
            && m.To.Contains(Bob), 1, TimeSpan.FromSeconds(1)));

        // Teams: the request card is followed by an outcome card that says the same, in the same colour.
        var cards = teams.Posts.Select(p => p.Body).Where(b => b.Contains(runId, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, cards.Count);
        var card = JsonNode.Parse(cards[1])!["attachments"]![0]!["content"]!;
        Assert.Equal(style, card["body"]![0]!["style"]!.GetValue<string>());
        var report = await AdaptiveCardCheck.ValidateAsync(cards[1]);
        Assert.Empty(report.Errors);
        Assert.Empty(report.Markdown);
        Assert.Contains("Comment: " + Comment, report.Texts);
        Assert.Contains(report.Texts, t => t.StartsWith($"No longer needed: Bob Manager {verdict.ToLowerInvariant()}.", StringComparison.Ordinal));
        Assert.Equal(runPage, card["actions"]![0]!["url"]!.GetValue<string>());
        Assert.DoesNotContain(cards[1], c => c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF');

        // On a phone: neither the request (its long signed link) nor the outcome scrolls sideways.
        await AssertFitsAsync(request, "mail-request-390.png", 390);
        await AssertFitsAsync(outcome, $"mail-outcome-{verdict.ToLowerInvariant()}-390.png", 390);
        await AssertFitsAsync(released, $"mail-no-longer-needed-{verdict.ToLowerInvariant()}-390.png", 390);
        await AssertFitsAsync(outcome, $"mail-outcome-{verdict.ToLowerInvariant()}-1280.png", 1280);
    }

    private async Task<Smtp4devMessage> MailAsync(string runId, string subjectStart, string to)
    {
        var found = await smtp.WaitForMessagesAsync(m => m.Subject.StartsWith(subjectStart, StringComparison.Ordinal) && m.Subject.Contains(runId, StringComparison.Ordinal)
            && m.To.Contains(to), 1, Patience);
        Assert.True(found.Count == 1, $"{found.Count} mails '{subjectStart}…' to {to} for {runId}");
        return await smtp.MessageAsync(found[0].Id);
    }

    /// <summary>Renders the mail's HTML part as a mail client's reading pane would at <paramref name="width"/> px; saves a screenshot.</summary>
    private async Task AssertFitsAsync(Smtp4devMessage mail, string screenshot, int width)
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 844 },
            JavaScriptEnabled = true,
        });
        var page = await context.NewPageAsync();
        await page.SetContentAsync(mail.Html!);

        await PageChecks.CheckAsync(page, Path.GetFileNameWithoutExtension(screenshot));
    }
}

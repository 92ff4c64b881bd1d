using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Approvers answer from the mail: a run reaches its gate, the approval mail arrives at smtp4dev, its link opens in
/// headless Chromium, the approver signs in at the dev provider (code + PKCE) and decides on the page. Scanners and
/// every kind of bad link decide nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ApprovalPageTests(AzuriteFixture azurite, Smtp4devProcess smtp, BrowserFixture browser, ApprovalPageTests.SharedServices services)
    : IAsyncLifetime, IClassFixture<Smtp4devProcess>, IClassFixture<BrowserFixture>, IClassFixture<ApprovalPageTests.SharedServices>
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob.manager@contoso.example";
    private const string Ana = "ana.silva@contoso.example";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private DevServicesProcess dev = null!;
    private HostProcess host = null!;
    private TeamsReceiver teams = null!;

    public async Task InitializeAsync()
    {
        (dev, host, teams) = await services.StartOnceAsync(azurite, smtp);
        await dev.Http.DeleteAsync("/_dev/requests");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Page_FromTheMailLink_ApproverSignsInSeesTheChangeAndApproves_ThatChangeIsWritten()
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(link.AbsoluteUri);
        Assert.Equal(200, response!.Status);
        Assert.Equal("no-store", response.Headers["cache-control"]);
        Assert.Equal("no-referrer", response.Headers["referrer-policy"]);
        Assert.Contains("frame-ancestors 'none'", response.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#change").CountAsync()); // nothing of the change before sign-in
        Assert.Equal(0, await page.Locator("#decision").CountAsync()); // and no form

        await page.ClickAsync("#sign-in");
        await page.ClickAsync($"button[value='{Bob}']");
        await page.WaitForSelectorAsync("#decision");
        var change = await page.Locator("#change").InnerTextAsync();
        Assert.Contains("subject", change, StringComparison.Ordinal);
        Assert.Contains("Follow up with Northwind Traders Ltd", change, StringComparison.Ordinal);
        Assert.Contains("crm-writer", await page.Locator("#writer").InnerTextAsync(), StringComparison.Ordinal);
        var technical = await page.Locator("#technical").TextContentAsync();
        Assert.Contains("6f1c0a10-0000-4000-8000-000000000002", technical, StringComparison.Ordinal);
        Assert.Contains("fields: subject, body, dueDate, ownerId", technical, StringComparison.Ordinal);
        Assert.Contains(link.Claims.ChangeDigest, technical, StringComparison.Ordinal);
        Assert.Contains(runId, technical, StringComparison.Ordinal);
        // Why this gate: the condition the route weighed and the value the run read, then the route's choice.
        var why = await page.Locator("#context").InnerTextAsync();
        Assert.Contains("account.tier is standard", why, StringComparison.Ordinal);
        Assert.Contains("route step route-by-tier chose gate manager-review", why, StringComparison.Ordinal);
        // What the run read, as read: the route's subject and the values the draft was filled from.
        var read = await page.Locator("#read").InnerTextAsync();
        Assert.Matches(@"account\.tier\s+standard", read);
        Assert.Matches(@"account\.name\s+Northwind Traders Ltd", read);
        Assert.Contains("call.summary", read, StringComparison.Ordinal);
        await page.FillAsync("#comment", "Looks right to me");
        await page.ClickAsync("#approve");
        var receipt = page.Locator("#receipt");
        Assert.Contains("Your approval is recorded — the change will be made.", await receipt.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("ok", await receipt.GetAttributeAsync("class"), StringComparison.Ordinal);
        Assert.Equal($"{host.BaseUrl}/runs/{runId}/overview", await page.Locator("#run-page").GetAttributeAsync("href"));

        var done = await WaitFinishedAsync(runId);
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        var decision = done.GetProperty("approvals").EnumerateArray().Single();
        Assert.Equal("email", decision.GetProperty("channel").GetString());
        Assert.Equal("Looks right to me", decision.GetProperty("comment").GetString());
        Assert.Equal(link.Claims.LinkId, decision.GetProperty("linkId").GetString());
        Assert.Equal(link.Claims.ChangeDigest, decision.GetProperty("changeDigest").GetString());
        var task = (await dev.RequestsToAsync("crm", "/crm/accounts/ACC-000002/tasks")).Single(r => r.GetProperty("method").GetString() == "POST");
        Assert.Equal(201, task.GetProperty("status").GetInt32());
        Assert.Contains(await OutcomeMailAsync(runId), m => m.To.Contains(Alice));
    }

    [Fact]
    public async Task Page_ScannersHeadGetRenderAndAutoSubmit_ConsumeAndDecideNothing()
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        using var scanner = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var head = await scanner.SendAsync(new HttpRequestMessage(HttpMethod.Head, link.Uri));
        using var get = await scanner.GetAsync(link.Uri);
        await using (var context = await browser.Browser.NewContextAsync())
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(link.AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
            Assert.Equal(0, await page.Locator("script").CountAsync());
        }

        using var submitted = await scanner.PostAsync(link.Uri, new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = "approve" }));

        Assert.True((int)head.StatusCode < 500, $"HEAD answered {(int)head.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, submitted.StatusCode);
        Assert.Contains("Sign in to decide", await submitted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var status = await StatusAsync(runId);
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
        Assert.Empty(status.GetProperty("approvals").EnumerateArray());
        await AssertNothingWrittenAsync();

        // The link was not used up: its approver can still decide with it.
        await DecideInBrowserAsync(link, Bob, approve: false);
        Assert.Equal("rejected", (await WaitFinishedAsync(runId)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Page_DraftedMarkupAndScript_AreShownAsTextOnThePageAndInTheMail()
    {
        var runId = await StartAsync(Alice, "ACC-000007");
        var link = await LinkAsync(runId, Bob);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        await SignInAsync(page, link, Bob);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        var change = await page.Locator("#change").InnerTextAsync();
        Assert.Contains("<script>document.title='pwned'</script>", change, StringComparison.Ordinal);
        Assert.Contains("<b>bold</b>", change, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#change b, #change script, #change img, #change a").CountAsync());
        Assert.DoesNotContain("pwned", await page.TitleAsync(), StringComparison.Ordinal);
        Assert.Equal(0, dialogs);
        var mail = await smtp.MessageAsync((await MailsToAsync(runId, Bob)).First().Id);
        Assert.Contains("&lt;script&gt;", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", mail.Html, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string> BadLinks() => new()
    {
        { "tampered", 400, "This link is not valid" },
        { "expired", 410, "This link has expired" },
        { "other-change", 409, "This review is closed" },
        { "unissued", 400, "This host has no record of issuing it" },
    };

    [Theory]
    [MemberData(nameof(BadLinks))]
    public async Task Page_BadLink_GetsItsOwnPageAndTheRunKeepsWaiting(string kind, int status, string expected)
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        var signer = new ApprovalLinkSigner(SharedServices.LinkKey);
        var bad = kind switch
        {
            "tampered" => link.Token[..^3] + (link.Token[^3] == 'A' ? "BBB" : "AAA"),
            "expired" => Reissue(link, c => c with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds() }, signer),
            "other-change" => Reissue(link, c => c with { ChangeDigest = new string('f', 64) }, signer, issue: true),
            _ => Reissue(link, c => c with { LinkId = "never-issued" }, signer),
        };
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(PageUrl(bad));

        Assert.Equal(status, response!.Status);
        var body = await page.Locator("body").InnerTextAsync();
        Assert.Contains(expected, body, StringComparison.Ordinal);
        Assert.DoesNotContain("superseded", body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await page.Locator("#decision").CountAsync());
        Assert.Equal("awaiting-approval", (await StatusAsync(runId)).GetProperty("phase").GetString());
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Page_SignedInAsSomeoneElseThanTheLinksApprover_OffersNoFormAndRefusesAPost()
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var bobs = await LinkAsync(runId, Bob);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await SignInAsync(context, bobs, Ana); // Ana manages too, but the link is Bob's

        Assert.Contains("This link was sent to another approver", await page.Locator(".banner").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#decision").CountAsync());
        Assert.Equal(0, await page.Locator("#change, #writer, #technical").CountAsync()); // the refusal, and nothing of the change
        await ScreenshotsAsync(page, "not-yours");
        var token = await AntiforgeryOfAnyPageAsync(context, await LinkAsync(runId, Ana));
        var posted = await context.APIRequest.PostAsync(bobs.AbsoluteUri, new APIRequestContextOptions
        {
            Form = FormOf(context, ("decision", "approve"), ("__antiforgery", token)),
        });

        Assert.Equal(200, posted.Status); // the page again, with the refusal
        Assert.Contains("sent to another approver", await posted.TextAsync(), StringComparison.Ordinal);
        Assert.Equal("awaiting-approval", (await StatusAsync(runId)).GetProperty("phase").GetString());
    }

    /// <summary>
    /// Someone who can write to storage but holds no key rewrites the stored change the page shows: a line's value (with
    /// or without the calls made to agree), its before value or its system, or the copy without its calls or seal. The
    /// page shows no change and offers no decision, since what it would show is not what the digest (and so the write)
    /// stands for.
    /// </summary>
    [Theory]
    [InlineData("a line's value")]
    [InlineData("the calls too")]
    [InlineData("the before value")]
    [InlineData("the system")]
    [InlineData("stored without its calls")]
    [InlineData("stored without its seal")]
    public async Task Page_StoredChangeAlteredInStorage_ShowsNoChangeAndOffersNoDecision(string alteration)
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        await services.AlterChangeAsync(runId, link.Claims.ChangeDigest, change =>
        {
            var line = change["lines"]!.AsArray().First(l => l!["field"]!.GetValue<string>() == "subject")!;
            switch (alteration)
            {
                case "a line's value":
                    line["after"] = "Harmless-looking subject";
                    break;
                case "the calls too":
                    line["after"] = "Harmless-looking subject";
                    change["calls"]!.AsArray().First(c => c!["body"]?["subject"] is not null)!["body"]!["subject"] = "Harmless-looking subject";
                    break;
                case "the before value": // the field then reads as unchanged
                    line["before"] = line["after"]!.GetValue<string>();
                    break;
                case "the system":
                    line["system"] = "Harmless-looking system";
                    break;
                case "stored without its calls":
                    change.Remove("calls");
                    break;
                default:
                    change.Remove("seal");
                    break;
            }

            return change;
        });
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var opened = await page.GotoAsync(link.AbsoluteUri);

        Assert.Equal(409, opened!.Status);
        Assert.Contains("This change cannot be shown", await page.Locator(".banner").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#sign-in").CountAsync()); // nothing to sign in for: no decision is offered
        Assert.Equal(0, await page.Locator("#decision").CountAsync());
        Assert.DoesNotContain("Harmless-looking subject", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal("awaiting-approval", (await StatusAsync(runId)).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task Page_TheInitiatorsOwnLink_OffersNoForm()
    {
        var runId = await StartAsync(Ana, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        var anasOwn = Reissue(link, c => c with { ApproverId = "0e000001-0000-4000-8000-000000000003", LinkId = "ana-own" },
            new ApprovalLinkSigner(SharedServices.LinkKey), issue: true);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await SignInAsync(context, new MailedLink(new Uri(PageUrl(anasOwn)), anasOwn, link.Claims with { LinkId = "ana-own" }), Ana);

        Assert.Contains("you started this run", await page.Locator(".banner").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#decision").CountAsync());
        Assert.Equal(0, await page.Locator("#change, #writer, #technical").CountAsync());
        Assert.DoesNotContain(await MailsToAsync(runId, null), m => m.To.Contains(Ana)); // and she was never sent one
    }

    [Fact]
    public async Task Page_PostWithoutTheAntiforgeryTokenOrReplayed_IsRefusedAndDecidesOnce()
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await SignInAsync(context, link, Bob);
        var token = await page.Locator("input[name='__antiforgery']").GetAttributeAsync("value");

        var forged = await context.APIRequest.PostAsync(link.AbsoluteUri, new APIRequestContextOptions { Form = FormOf(context, ("decision", "approve")) });
        Assert.Equal(400, forged.Status);
        Assert.Contains("anti-forgery", await forged.TextAsync(), StringComparison.Ordinal);
        Assert.Equal("awaiting-approval", (await StatusAsync(runId)).GetProperty("phase").GetString());

        var first = await context.APIRequest.PostAsync(link.AbsoluteUri, new APIRequestContextOptions { Form = FormOf(context, ("decision", "approve"), ("__antiforgery", token!)) });
        var replay = await context.APIRequest.PostAsync(link.AbsoluteUri, new APIRequestContextOptions { Form = FormOf(context, ("decision", "approve"), ("__antiforgery", token!)) });

        Assert.Equal(200, first.Status);
        Assert.Contains("Your approval is recorded", await first.TextAsync(), StringComparison.Ordinal);
        Assert.Equal(409, replay.Status);
        Assert.Contains("already used", await replay.TextAsync(), StringComparison.Ordinal);
        var done = await WaitFinishedAsync(runId);
        Assert.Single(done.GetProperty("approvals").EnumerateArray());
    }

    [Fact]
    public async Task Teams_TheGatesCardReachesTheWebhookWithTheChannelLinkAndAFollowUpAfterTheDecision()
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        var cards = await WaitForCardsAsync(runId, 1);
        var card = JsonDocument.Parse(cards[0]).RootElement.GetProperty("attachments")[0].GetProperty("content");
        Directory.CreateDirectory(Path.Combine(RepoPaths.Root, ".artifacts", "cards"));
        await File.WriteAllTextAsync(Path.Combine(RepoPaths.Root, ".artifacts", "cards", "approval-card.json"), card.GetRawText());
        var action = card.GetProperty("actions")[0];

        Assert.Equal("1.4", card.GetProperty("version").GetString());
        Assert.Equal("Action.OpenUrl", action.GetProperty("type").GetString());
        var channelLink = action.GetProperty("url").GetString()!;
        Assert.StartsWith($"{host.BaseUrl}/approvals/", channelLink, StringComparison.Ordinal);
        Assert.NotEqual(link.AbsoluteUri, channelLink);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(cards[0]) < 28_000);

        // Any approver of the gate can decide through the channel link after signing in.
        await DecideInBrowserAsync(new MailedLink(new Uri(channelLink), channelLink[(channelLink.LastIndexOf('/') + 1)..], link.Claims), Bob, approve: true);
        var done = await WaitFinishedAsync(runId);
        Assert.Equal("teams", done.GetProperty("approvals")[0].GetProperty("channel").GetString());
        Assert.Equal(2, (await WaitForCardsAsync(runId, 2)).Count);
    }

    [Fact]
    public async Task Page_BeforeSignIn_ShowsOnlyThatAReviewWaits_NoneOfTheChangeOrTheRunsData()
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        using var scanner = new HttpClient();
        var anonymous = await scanner.GetStringAsync(link.Uri);
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(link.AbsoluteUri);
        Assert.Equal(0, await page.Locator("#change, #context, #writer, #technical, #decision").CountAsync());
        Assert.Contains("Sign in to review", await page.Locator("#sign-in").InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "waiting");

        // What an approver sees once signed in: none of it (no value, no name, no record) was on the page before.
        await SignInAsync(page, link, Bob);
        var values = new List<string>();
        values.AddRange(await page.Locator("#change ins, #change del").AllTextContentsAsync());
        values.AddRange(await page.Locator("#context dd:nth-of-type(1), #context dd:nth-of-type(2), #summary").AllTextContentsAsync()); // not the deadline
        values.AddRange(["crm-followup", "ACC-000002", "Northwind", "Alice", "manager-review", "crm-writer", runId, link.Claims.ChangeDigest]);
        Assert.True(values.Count > 8, string.Join(" | ", values));
        var leaked = values.Select(v => v.Replace("before ", string.Empty, StringComparison.Ordinal).Trim())
            .Where(v => v.Length > 0 && (anonymous.Contains(System.Net.WebUtility.HtmlEncode(v), StringComparison.Ordinal) || anonymous.Contains(v, StringComparison.Ordinal))).ToList();
        Assert.True(leaked.Count == 0, $"before sign-in the page showed: {string.Join(" | ", leaked)}");
    }

    [Fact]
    public async Task Page_SignedInApproverOnAPhone_SeesTheSentenceAndTheButtonsOnTheFirstScreen_AndNothingScrollsSideways()
    {
        var runId = await StartAsync(Alice, "ACC-000002");
        var link = await LinkAsync(runId, Bob);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var page = await SignInAsync(context, link, Bob);

        var sentence = await page.Locator("#summary").InnerTextAsync();
        // A new record gets every field it is sent, the owner too, though the account it hangs under has the same owner.
        Assert.Equal(["subject", "body", "dueDate", "ownerId"], await page.Locator("#change dl").First.Locator("dt").AllInnerTextsAsync());
        var taskFields = await page.Locator("#change dl").First.Locator("dt").CountAsync();
        Assert.StartsWith($"Create a task (subject “Follow up with Northwind Traders Ltd”, {taskFields} fields) and create a note (", sentence, StringComparison.Ordinal);
        Assert.EndsWith("in crm, on record ACC-000002.", sentence, StringComparison.Ordinal);
        foreach (var selector in new[] { "#summary", "#context", "label[for='comment']", "#approve", "#reject" })
        {
            var box = await page.Locator(selector).BoundingBoxAsync();
            Assert.True(box is not null && box.Y + box.Height <= 844 && box.X + box.Width <= 390, $"{selector} is not on a phone's first screen: {box?.X},{box?.Y} {box?.Width}x{box?.Height}");
        }

        // What comes first, in order: the sentence, who asked, why, the deadline, then the form.
        var context0 = await page.Locator("#context").InnerTextAsync();
        Assert.True(context0.IndexOf("Asked by", StringComparison.Ordinal) < context0.IndexOf("Why you are asked", StringComparison.Ordinal)
            && context0.IndexOf("Why you are asked", StringComparison.Ordinal) < context0.IndexOf("Decide by", StringComparison.Ordinal), context0);
        Assert.Contains("Alice", context0, StringComparison.Ordinal);
        Assert.Contains("in 2 days", context0, StringComparison.Ordinal); // the manager gate's two days, in words
        Assert.Equal("Comment (optional)", await page.Locator("label[for='comment']").InnerTextAsync());
        Assert.Contains("1 approval needed — nobody has approved yet", await page.Locator("#progress").InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotsAsync(page, "decision");
        await page.ClickAsync("#technical summary"); // the identifiers, unfolded, fit too
        await ScreenshotsAsync(page, "decision-technical");
    }

    [Fact]
    public async Task Page_TwoApprovalsNeeded_TheFirstApproverIsToldOneMoreIsNeeded_AndTheClosedReviewSaysWhoDecided()
    {
        var runId = await StartWorkflowAsync(Alice, "invoice-exceptions", new { invoiceId = "INV-00000003", purchaseOrderId = "PO-00000003" });
        var chris = await LinkAsync(runId, "cfo@contoso.example");
        var carl = await LinkAsync(runId, "carl.controller@contoso.example");

        await using (var context = await browser.Browser.NewContextAsync())
        {
            var page = await SignInAsync(context, chris, "cfo@contoso.example");
            Assert.Matches(@"invoice\.amount is 72400(\.0+)?, which meets invoice\.amount >= 50000: route step route-by-amount chose gate controller-approval",
                await page.Locator("#context").InnerTextAsync());
            Assert.Contains("2 approvals needed — nobody has approved yet", await page.Locator("#progress").InnerTextAsync(), StringComparison.Ordinal);
            await page.ClickAsync("#approve");
            var receipt = page.Locator("#receipt");
            Assert.Contains("Your approval is recorded — 1 of 2 approvals, waiting for one more.", await receipt.InnerTextAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("Approved.", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("ok", await receipt.GetAttributeAsync("class"), StringComparison.Ordinal);
            await ScreenshotsAsync(page, "receipt-first-of-two");
        }

        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("waitingFor").GetProperty("approvalsSoFar").GetInt32() == 1, Patience, "one approval counted");
        await using (var context = await browser.Browser.NewContextAsync())
        {
            var page = await SignInAsync(context, carl, "carl.controller@contoso.example");
            Assert.Contains("1 of 2 approvals — waiting for one more", await page.Locator("#progress").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("Chris Fowler approved on", await page.Locator("#answers").InnerTextAsync(), StringComparison.Ordinal);
            await page.ClickAsync("#approve");
            Assert.Contains("Your approval is recorded — 2 of 2 approvals, the change will be made.", await page.Locator("#receipt").InnerTextAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("completed", (await WaitFinishedAsync(runId)).GetProperty("outcome").GetString());
        await using (var context = await browser.Browser.NewContextAsync())
        {
            // Before sign-in a closed review names nobody; Chris, signed in, reads who decided and when.
            var page = await context.NewPageAsync();
            var closed = await page.GotoAsync(chris.AbsoluteUri);
            Assert.Equal(409, closed!.Status);
            var anonymous = await page.Locator("body").InnerTextAsync();
            Assert.Contains("This review is closed.", anonymous, StringComparison.Ordinal);
            Assert.DoesNotContain("Chris", anonymous, StringComparison.Ordinal);
            Assert.DoesNotContain("Carl", anonymous, StringComparison.Ordinal);
            await ScreenshotsAsync(page, "closed-before-sign-in");

            await SignInAsync(page, chris, "cfo@contoso.example");
            var banner = await page.Locator(".banner").InnerTextAsync();
            Assert.Matches(@"This review is closed: (Chris Fowler|Carl Controller) approved on \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC and (Carl Controller|Chris Fowler) approved on", banner);
            Assert.DoesNotContain("Completed", banner, StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator("#decision").CountAsync());
            await ScreenshotsAsync(page, "closed");
        }
    }

    [Fact]
    public async Task Page_AFieldTheWriteLeavesAsItIs_IsNotListedAsAChange()
    {
        // The first run escalates the ticket to tier-2; a second run on it would send the same queue again.
        var first = await StartWorkflowAsync(Alice, "ticket-escalation", new { ticketId = "TCK-0000004" });
        await host.WaitForJsonAsync($"/api/runs/{first}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
        using (var lee = host.As(await dev.SignInAsync("lee.lead@contoso.example")))
        {
            using var approved = await lee.PostAsJsonAsync($"/api/runs/{first}/approvals", new { approved = true });
            Assert.True(approved.StatusCode == HttpStatusCode.Accepted, await approved.Content.ReadAsStringAsync());
        }

        Assert.Equal("completed", (await WaitFinishedAsync(first)).GetProperty("outcome").GetString());
        var second = await StartWorkflowAsync(Alice, "ticket-escalation", new { ticketId = "TCK-0000004" });
        var link = await LinkAsync(second, "lee.lead@contoso.example");
        await using var context = await browser.Browser.NewContextAsync();
        var page = await SignInAsync(context, link, "lee.lead@contoso.example");

        var fields = await page.Locator("#change dt").AllInnerTextsAsync();
        Assert.Equal(["note"], fields);
        Assert.Contains("1 field keeps its current value and is not listed", await page.Locator("#change-note").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("queue", await page.Locator("#summary").InnerTextAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The page as it stands, at a phone's width and a desktop's: axe-core finds no serious violation, nothing scrolls
    /// sideways, and each is saved under .artifacts/screenshots/approval-{state}-{phone|desktop}.png for people to look at.
    /// </summary>
    private static async Task ScreenshotsAsync(IPage page, string state)
    {
        var before = page.ViewportSize;
        foreach (var size in PageChecks.Widths)
        {
            await PageChecks.CheckAtAsync(page, size, $"approval-{state}");
        }

        if (before is not null)
        {
            await page.SetViewportSizeAsync(before.Width, before.Height);
        }
    }

    private async Task<string> StartWorkflowAsync(string person, string workflow, object input)
    {
        using var client = host.As(await dev.SignInAsync(person));
        using var response = await client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var runId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
        return runId;
    }

    private async Task<string> StartAsync(string person, string account)
    {
        using var client = host.As(await dev.SignInAsync(person));
        using var response = await client.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = account } });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var runId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
        return runId;
    }

    /// <summary>The link in the request mail this person got for this run.</summary>
    private async Task<MailedLink> LinkAsync(string runId, string person)
    {
        var mail = await smtp.MessageAsync((await MailsToAsync(runId, person)).First().Id);
        var url = PageLink().Match(mail.PlainText ?? string.Empty);
        Assert.True(url.Success, $"no approval link in the mail to {person}: {mail.PlainText}");
        var token = Uri.UnescapeDataString(url.Groups["token"].Value);
        Assert.Equal(LinkProblem.None, new ApprovalLinkSigner(SharedServices.LinkKey).Verify(token, DateTimeOffset.UtcNow, out var claims));
        return new MailedLink(new Uri(url.Value), token, claims!);
    }

    private async Task<IReadOnlyList<Smtp4devSummary>> MailsToAsync(string runId, string? person) =>
        await smtp.WaitForMessagesAsync(m => m.Subject.Contains(runId, StringComparison.Ordinal) && m.Subject.StartsWith("Approval needed", StringComparison.Ordinal)
            && (person is null || m.To.Contains(person)), 1, Patience);

    private async Task<IReadOnlyList<Smtp4devSummary>> OutcomeMailAsync(string runId) =>
        await smtp.WaitForMessagesAsync(m => m.Subject.Contains(runId, StringComparison.Ordinal) && m.Subject.StartsWith("Approved", StringComparison.Ordinal), 1, Patience);

    private async Task<List<string>> WaitForCardsAsync(string runId, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var cards = teams.Posts.Select(p => p.Body).Where(b => b.Contains(runId, StringComparison.Ordinal)).ToList();
            if (cards.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.True(cards.Count >= count, $"{cards.Count} cards for {runId}, expected {count}");
                return cards;
            }

            await Task.Delay(100);
        }
    }

    private async Task<IPage> SignInAsync(IBrowserContext context, MailedLink link, string person) =>
        await SignInAsync(await context.NewPageAsync(), link, person);

    private static async Task<IPage> SignInAsync(IPage page, MailedLink link, string person)
    {
        await page.GotoAsync(link.AbsoluteUri);
        await page.ClickAsync("#sign-in");
        var picker = page.Locator($"button[value='{person}']");
        await picker.WaitForAsync();

        // Back at the link's page once its own answer arrives, then its heading: a URL wait would fall back to a load
        // state when the URL already matched, which a refusal page (403) can sit short of while the browser idles.
        var path = new Uri(link.AbsoluteUri).AbsolutePath;
        var back = page.WaitForResponseAsync(r => r.Request.IsNavigationRequest && new Uri(r.Url).AbsolutePath == path);
        await picker.ClickAsync();
        await back;
        await page.Locator("h1").WaitForAsync();
        return page;
    }

    private async Task DecideInBrowserAsync(MailedLink link, string person, bool approve)
    {
        await using var context = await browser.Browser.NewContextAsync();
        var page = await SignInAsync(context, link, person);
        await page.ClickAsync(approve ? "#approve" : "#reject");
        var receipt = page.Locator("#receipt");
        Assert.Contains(approve ? "Your approval is recorded" : "Your rejection is recorded — the change will not be made.", await receipt.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(approve ? "ok" : "refused", await receipt.GetAttributeAsync("class"), StringComparison.Ordinal);
        await ScreenshotsAsync(page, approve ? "receipt-approved" : "receipt-rejected");
    }

    /// <summary>An anti-forgery token this context's sign-in legitimately got (from a page it may decide on).</summary>
    private async Task<string> AntiforgeryOfAnyPageAsync(IBrowserContext context, MailedLink own)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(own.AbsoluteUri);
        return (await page.Locator("input[name='__antiforgery']").GetAttributeAsync("value"))!;
    }

    private string PageUrl(string token) => $"{host.BaseUrl}/approvals/{Uri.EscapeDataString(token)}";

    private string Reissue(MailedLink link, Func<ApprovalLinkClaims, ApprovalLinkClaims> change, ApprovalLinkSigner signer, bool issue = false)
    {
        var claims = change(link.Claims);
        if (issue)
        {
            // As if this host had issued it (the test holds the operator's key and storage): only the page's own checks stand.
            services.IssueAsync(claims).GetAwaiter().GetResult();
        }

        return signer.Sign(claims);
    }

    private Task<JsonElement> StatusAsync(string runId) => host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");

    private Task<JsonElement> WaitFinishedAsync(string runId) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");

    private async Task AssertNothingWrittenAsync() =>
        Assert.DoesNotContain(await dev.RequestsAsync(), r => r.GetProperty("method").GetString() is "POST" or "PUT" && r.GetProperty("status").GetInt32() < 300);

    private static IFormData FormOf(IBrowserContext context, params (string Name, string Value)[] fields)
    {
        var form = context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/approvals/(?<token>[A-Za-z0-9%._~-]+)")]
    private static partial Regex PageLink();

    /// <summary>A link as a mail carried it: the URL, its token, and what the token says.</summary>
    private sealed record MailedLink(Uri Uri, string Token, ApprovalLinkClaims Claims)
    {
        public string AbsoluteUri => Uri.AbsoluteUri;
    }

    /// <summary>DevServices, the host (mail to smtp4dev, cards to a local receiver) and the link key, for the class.</summary>
    public sealed class SharedServices : IAsyncLifetime
    {
        public static readonly byte[] LinkKey = RandomNumberGenerator.GetBytes(32);

        private readonly SemaphoreSlim gate = new(1, 1);
        private DevServicesProcess? dev;
        private HostProcess? host;
        private TeamsReceiver? teams;
        private WriterProcess? writer;
        private string? connection;
        private string? prefix;

        internal async Task<(DevServicesProcess, HostProcess, TeamsReceiver)> StartOnceAsync(AzuriteFixture azurite, Smtp4devProcess smtp)
        {
            await gate.WaitAsync();
            try
            {
                if (dev is null || host is null || teams is null)
                {
                    dev = await DevServicesProcess.StartAsync(azurite);
                    teams = await TeamsReceiver.StartAsync();
                    var hub = EngineHost.NewHubName();
                    (connection, prefix) = (azurite.ConnectionString, hub);
                    var settings = HostProcess.DefaultSettings(azurite, hub, dev);

                    HostProcess.SendMailTo(settings, smtp);
                    settings["AgentOps__Teams__WebhookUrl"] = teams.WebhookUrl.AbsoluteUri;
                    settings["AgentOps__Approvals__LinkSigningKey"] = Convert.ToBase64String(LinkKey);
                    writer = await WriterProcess.StartAsync(settings, dev); // invoice-exceptions (two approvals) writes through it
                    host = await HostProcess.StartHealthyAsync(settings);
                }

                return (dev, host, teams);
            }
            finally
            {
                gate.Release();
            }
        }

        /// <summary>Writes a link record as the host would (the test plays an operator who holds the key and the storage).</summary>
        internal Task IssueAsync(ApprovalLinkClaims claims) => new Runtime.Stores.LinkStore(Storage()).IssueAsync(claims, CancellationToken.None);

        /// <summary>Rewrites the stored copy of a change as someone with write access to storage could.</summary>
        internal async Task AlterChangeAsync(string runId, string digest, Func<JsonObject, JsonObject> alter)
        {
            var blob = Storage().Blobs.GetBlobContainerClient(Storage().ChangesContainer).GetBlobClient($"{runId}/{digest}.json");
            var stored = JsonNode.Parse((await blob.DownloadContentAsync()).Value.Content.ToString())!.AsObject();
            await blob.UploadAsync(BinaryData.FromString(alter(stored).ToJsonString()), overwrite: true);
        }

        private Runtime.Stores.GovernanceStorage Storage() => Runtime.Stores.GovernanceStorage.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection(
                new Dictionary<string, string?> { [Runtime.Stores.GovernanceStorage.PrefixSetting] = prefix }).Build(),
            Runtime.Engine.StorageConnection.FromConnectionString(connection!));

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

            if (writer is not null)
            {
                await writer.DisposeAsync();
            }

            if (teams is not null)
            {
                await teams.DisposeAsync();
            }

            if (dev is not null)
            {
                await dev.DisposeAsync();
            }

            gate.Dispose();
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The run page for the people in a run, driven in headless Chromium with the pages' real sign-in at the dev provider:
/// Alice starts crm-followup, Bob (a manager) rejects it with a comment; Alice, Ana (a manager by group, no reading
/// role) and Ivan (investigator) follow it; Mallory (nobody in the run) and a visitor who has not signed in learn
/// nothing about it. A second run of Alice's waits at its gate. At 390 and 1280 px nothing scrolls sideways.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunPageTests(AzuriteFixture azurite, BrowserFixture browser, RunPageTests.SharedRun shared)
    : IAsyncLifetime, IClassFixture<BrowserFixture>, IClassFixture<RunPageTests.SharedRun>
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob.manager@contoso.example";
    private const string Ana = "ana.silva@contoso.example";
    private const string Ivan = "ivan.investigator@contoso.example";
    private const string Mallory = "mallory@contoso.example";

    /// <summary>Bob's reason, which the starter must read on the page.</summary>
    private const string Comment = "Not this quarter: the account is under review <b>until</b> March.";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly List<IBrowserContext> contexts = [];
    private HostProcess host = null!;
    private string runId = null!;
    private string waitingRunId = null!;

    public async Task InitializeAsync() => (_, host, runId, waitingRunId) = await shared.StartOnceAsync(azurite);

    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task RunPage_Initiator_SeesRejectedByBobWithHisCommentAndNoEvidenceLinks()
    {
        var page = await SignedInAsync(Alice, 1280);

        var banner = await page.Locator("#status").InnerTextAsync();
        Assert.Contains("Finished: rejected by Bob Manager.", banner, StringComparison.Ordinal);
        Assert.Contains(Comment, banner, StringComparison.Ordinal); // as text: the markup is not rendered
        Assert.Contains("Nothing was written.", banner, StringComparison.Ordinal);
        Assert.Contains("refused", await page.Locator("#status").GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal); // red, as the words
        var decision = await page.Locator("#decisions li").InnerTextAsync();
        Assert.Contains("Bob Manager rejected", decision, StringComparison.Ordinal);
        Assert.Contains("via the command line", decision, StringComparison.Ordinal);
        Assert.Equal(Comment, await page.Locator("#decisions blockquote.comment").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#decisions b").CountAsync());
        Assert.Contains("members of emea-sales-managers", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Contains("the person who started it", await page.Locator("#run").InnerTextAsync(), StringComparison.Ordinal);

        // Steps in plain words, each under its identity; the write was never reached.
        var steps = await page.Locator("#steps li").AllInnerTextsAsync();
        Assert.Contains(steps, s => s.Contains("Read the account", StringComparison.Ordinal) && s.Contains("as crm-reader", StringComparison.Ordinal)
            && s.Contains("done", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.Contains("as crm-writer", StringComparison.Ordinal) && s.Contains("not reached", StringComparison.Ordinal));

        // Not evidence internals, and no way to the investigators' pages.
        var text = await page.InnerTextAsync("main");
        Assert.DoesNotContain("6f1c0a10-", text, StringComparison.Ordinal); // client ids
        Assert.Equal(0, await page.Locator("#timeline, #report, #evidence-links").CountAsync());
        Assert.Equal(0, await page.Locator("script").CountAsync());
        await AssertFitsAsync(page, "runpage-initiator-1280");
        await page.SetViewportSizeAsync(390, 844);
        await AssertFitsAsync(page, "runpage-initiator-390");
    }

    [Fact]
    public async Task RunPage_InitiatorOfARunAtItsGate_SeesWhoIsAskedSinceWhenAndUntilWhen()
    {
        var page = await SignedInAsync(Alice, 390, run: waitingRunId);

        var banner = await page.Locator("#status").InnerTextAsync();
        Assert.Matches(@"^Waiting for approval at manager-review since today, \d\d:\d\d UTC\.", banner);
        Assert.Contains("Asked: members of emea-sales-managers; one approval is needed. The decision is due by", banner, StringComparison.Ordinal);
        Assert.Contains("wait", await page.Locator("#status").GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("Nobody has decided yet.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Contains(await page.Locator("#steps li").AllInnerTextsAsync(), s => s.Contains("waits for approval at manager-review", StringComparison.Ordinal));
        await AssertFitsAsync(page, "runpage-waiting-390");
    }

    [Fact]
    public async Task RunPage_ApproverOfTheGateByGroupWithoutAReadingRole_SeesTheDecisionAndComment()
    {
        var page = await SignedInAsync(Ana, 390);

        Assert.Contains("Finished: rejected by Bob Manager.", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(Comment, await page.Locator("#decisions blockquote.comment").InnerTextAsync());
        Assert.Contains("an approver at manager-review (group emea-sales-managers)", await page.Locator("#run").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#timeline").CountAsync());
        await AssertFitsAsync(page, "runpage-approver-390");
    }

    [Fact]
    public async Task RunPage_Investigator_GetsTheTimelineAndReportLinks()
    {
        var page = await SignedInAsync(Ivan, 1280);

        Assert.Contains("Finished: rejected by Bob Manager.", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal($"/runs/{runId}/timeline", await page.Locator("#timeline").GetAttributeAsync("href"));
        Assert.Equal($"/runs/{runId}/timeline/report?format=html", await page.Locator("#report").GetAttributeAsync("href"));
        await AssertFitsAsync(page, "runpage-investigator-1280");

        // The link leads to the timeline, with the same sign-in.
        await page.ClickAsync("#timeline");
        Assert.Contains("timeline of run", await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPage_SignedInPersonOutsideTheRun_Gets403WithNoBusinessDataAndTheSameForAnUnknownRun()
    {
        var page = await SignedInAsync(Mallory, 390, expect: 403);
        var html = await page.ContentAsync();
        var refusal = await page.Locator("#refusal").InnerTextAsync();
        await AssertFitsAsync(page, "runpage-refused-390");

        var unknown = await page.GotoAsync($"{host.BaseUrl}/runs/crm-followup-000000000000/overview");

        Assert.Contains("You cannot follow this run", refusal, StringComparison.Ordinal);
        Assert.Contains("Mallory Outsider, this page shows a run to the person who started it", refusal, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#status, #steps, #decisions, #run").CountAsync());
        foreach (var secret in new[] { "crm-followup:", "Alice", "Bob", "Not this quarter", "rejected", "emea-sales-managers", "crm-reader" })
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        }

        // An unknown run gets the same answer: the page does not tell which runs exist.
        Assert.Equal(403, unknown!.Status);
        Assert.Equal(refusal, await page.Locator("#refusal").InnerTextAsync());
    }

    [Fact]
    public async Task RunPage_NotSignedIn_ShowsOnlyASignInButton()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync($"{host.BaseUrl}/runs/{runId}/overview");
        var html = await response!.TextAsync();
        var unknown = await (await context.NewPageAsync()).GotoAsync($"{host.BaseUrl}/runs/crm-followup-000000000000/overview");

        Assert.Equal(200, response.Status);
        Assert.Equal("no-store", response.Headers["cache-control"]);
        Assert.Contains("Sign in to follow this run", await page.Locator("#sign-in").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#status, #steps, #decisions, #run").CountAsync());
        foreach (var secret in new[] { "crm-followup:", "Alice", "Bob", "Not this quarter", "rejected", "manager-review", "crm-reader" })
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        }

        // Whether the run exists or not, the same page.
        Assert.Equal(200, unknown!.Status);
        Assert.Equal(html.Replace(runId, "ID", StringComparison.Ordinal),
            (await unknown.TextAsync()).Replace("crm-followup-000000000000", "ID", StringComparison.Ordinal));
        await AssertFitsAsync(page, "runpage-signin-390");
    }

    /// <summary>A fresh browser at <paramref name="width"/> px signed in as <paramref name="person"/> from the run page's own button, back on the page.</summary>
    private async Task<IPage> SignedInAsync(string person, int width, int expect = 200, string? run = null)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
        contexts.Add(context);
        var page = await context.NewPageAsync();
        var url = $"{host.BaseUrl}/runs/{run ?? runId}/overview";
        await page.GotoAsync(url);
        var back = page.WaitForResponseAsync(r => r.Request.IsNavigationRequest && new Uri(r.Url).AbsolutePath == new Uri(url).AbsolutePath);
        await page.ClickAsync("#sign-in");
        await page.ClickAsync($"button[value='{person}']");
        var response = await back;
        await page.Locator("h1").WaitForAsync();
        Assert.True(response.Status == expect, $"{person}: {response.Status} {await page.ContentAsync()}");
        return page;
    }

    /// <summary>No sideways scrolling and no serious axe-core violation at this width; a screenshot as the test's artifact.</summary>
    private static Task AssertFitsAsync(IPage page, string name) => PageChecks.CheckAsync(page, name);

    /// <summary>One host and one rejected run for the class: Alice starts crm-followup, Bob rejects it from the CLI's API with a comment.</summary>
    public sealed class SharedRun : IAsyncLifetime
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private DevServicesProcess? dev;
        private HostProcess? host;
        private string? runId;
        private string? waitingRunId;

        internal async Task<(DevServicesProcess, HostProcess, string, string)> StartOnceAsync(AzuriteFixture azurite)
        {
            await gate.WaitAsync();
            try
            {
                if (dev is null || host is null)
                {
                    dev = await DevServicesProcess.StartAsync(azurite);
                    host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev));
                }

                runId ??= await RejectedRunAsync();
                if (waitingRunId is null)
                {
                    waitingRunId = await GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" }, Alice);
                    await host.WaitForJsonAsync($"/api/runs/{waitingRunId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
                }

                return (dev, host, runId, waitingRunId);
            }
            finally
            {
                gate.Release();
            }
        }

        private async Task<string> RejectedRunAsync()
        {
            var id = await GovernedRuns.StartAsync(host!, dev!, "crm-followup", new { accountId = "ACC-000002" }, Alice);
            await host!.WaitForJsonAsync($"/api/runs/{id}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
            using (var bob = host.As(await dev!.SignInAsync(Bob)))
            {
                using var rejected = await bob.PostAsJsonAsync($"/api/runs/{id}/approvals", new { approved = false, comment = Comment });
                Assert.True(rejected.StatusCode == HttpStatusCode.Accepted, await rejected.Content.ReadAsStringAsync());
            }

            var done = await host.WaitForJsonAsync($"/api/runs/{id}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
            Assert.True(done.GetProperty("outcome").GetString() == "rejected", done.ToString());
            return id;
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

            if (dev is not null)
            {
                await dev.DisposeAsync();
            }
        }
    }
}

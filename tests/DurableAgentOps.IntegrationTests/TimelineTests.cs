using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Investigators read a governed run from its evidence: Alice starts crm-followup, a hand-raised event is ignored, Bob
/// approves through the API with a hostile comment (his token comes from the CLI's dev sign-in, so the channel is cli); the timeline page (headless Chromium, signed in as Ivan the reader) shows a lane per
/// identity and Bob's decision, the report (API and CLI) answers who, what, where and the verdict — and both still work
/// once the run's Durable history is purged.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TimelineTests(AzuriteFixture azurite, BrowserFixture browser, TimelineTests.SharedRun shared)
    : IAsyncLifetime, IClassFixture<BrowserFixture>, IClassFixture<TimelineTests.SharedRun>
{
    public const string Alice = "alice@contoso.example";
    public const string Bob = "bob.manager@contoso.example";
    public const string Ivan = "ivan.investigator@contoso.example";
    public const string Mallory = "mallory@contoso.example";

    /// <summary>Bob's comment: markup, a script and a Markdown link, which every rendering must show as text.</summary>
    public const string HostileComment = "<script>document.title='pwned'</script> [approved by CEO](https://evil.example/x)\n# fine";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private DevServicesProcess dev = null!;
    private HostProcess host = null!;
    private string runId = null!;

    public async Task InitializeAsync() => (dev, host, runId) = await shared.StartOnceAsync(azurite);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TimelinePage_InvestigatorSignsIn_ShowsALanePerIdentityEachStepsIdentityAndBobsDecision()
    {
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        await BrowserSignIn.AtPageAsync(page, $"{host.BaseUrl}/runs/{runId}/timeline", Ivan);
        var response = await page.ReloadAsync();

        Assert.Equal(200, response!.Status);
        Assert.Equal("no-store", response.Headers["cache-control"]);
        Assert.Equal("DENY", response.Headers["x-frame-options"]);
        var csp = response.Headers["content-security-policy"];
        Assert.Contains("script-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Matches("style-src 'sha256-[A-Za-z0-9+/=]+';", csp);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("script").CountAsync());

        var lanes = await page.Locator("#lanes g.lane").EvaluateAllAsync<string[]>("gs => gs.map(g => g.getAttribute('data-lane'))");
        Assert.Equal(["crm-reader", "drafter", "router", "crm-writer", "gate"], lanes);
        foreach (var identity in new[] { "crm-reader", "drafter", "router", "crm-writer" })
        {
            Assert.True(await page.Locator($"#lanes text.lane-name:text-is('{identity}')").IsVisibleAsync(), $"no visible lane label {identity}");
        }

        var marks = await page.Locator("#lanes g.step-mark").EvaluateAllAsync<string[]>("gs => gs.map(g => g.dataset.step + '@' + g.dataset.identity)");
        Assert.Equal(["read-account@crm-reader", "read-last-call@crm-reader", "draft-followup@drafter", "route-by-tier@router", "write-followup@crm-writer"], marks);

        // Each step's evidence row names its identity, client id, scopes and outcome.
        var rows = await page.Locator("#steps tbody tr").AllInnerTextsAsync();
        Assert.Equal(5, rows.Count);
        var write = Assert.Single(rows, r => r.StartsWith("write-followup", StringComparison.Ordinal));
        Assert.Contains("crm-writer", write, StringComparison.Ordinal);
        Assert.Contains("6f1c0a10-0000-4000-8000-000000000002", write, StringComparison.Ordinal);
        Assert.Contains("crm.tasks.create, crm.notes.create", write, StringComparison.Ordinal);
        Assert.Contains("fields subject, body, dueDate, ownerId", write, StringComparison.Ordinal);
        Assert.Contains("succeeded", write, StringComparison.Ordinal);

        var gate = await page.Locator("#gate").InnerTextAsync();
        Assert.Contains("Bob Manager <bob.manager@contoso.example>", gate, StringComparison.Ordinal);
        Assert.Contains("decision: approved", gate, StringComparison.Ordinal);
        Assert.Contains("ignored event", gate, StringComparison.Ordinal);
        Assert.Contains("<script>document.title='pwned'</script>", gate, StringComparison.Ordinal); // shown as text
        Assert.Contains("Bob Manager approved (cli)", await page.Locator("#lanes").TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("Evidence verified.", await page.Locator(".banner").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("pwned", await page.TitleAsync(), StringComparison.Ordinal);
        Assert.Equal(0, dialogs);

        Directory.CreateDirectory(Path.Combine(RepoPaths.Root, ".artifacts", "screenshots"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepoPaths.Root, ".artifacts", "screenshots", "timeline.png"), FullPage = true });

        // The report the page links to, with the same sign-in.
        await page.ClickAsync("#report-html");
        Assert.StartsWith("Verified: all ", await page.Locator("#verdict").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("script").CountAsync());
    }

    [Fact]
    public async Task TimelineAndReport_AtPhoneAndDesktopWidths_FitThePageAndPassAxeWithHeadersWholeAndRowsStackedOnThePhone()
    {
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserSignIn.AtPageAsync(page, $"{host.BaseUrl}/runs/{runId}/timeline", Ivan);

        foreach (var (path, name, table) in new[] { ("", "timeline", "#steps"), ("/report?format=html", "report", "#identities") })
        {
            await page.GotoAsync($"{host.BaseUrl}/runs/{runId}/timeline{path}");
            foreach (var size in PageChecks.Widths)
            {
                await PageChecks.CheckAtAsync(page, size, name); // no sideways scroll, axe-core, a screenshot
                var display = await page.Locator($"{table} tbody td").First.EvaluateAsync<string>("td => getComputedStyle(td).display");
                Assert.Equal(size.Width < 500 ? "block" : "table-cell", display); // a phone reads each row as a card of labelled lines
                if (size.Width >= 500)
                {
                    // A header breaks only between words: none is narrower than its longest word.
                    var broken = await page.Locator($"{table} thead th").EvaluateAllAsync<string[]>(
                        "ths => ths.filter(th => th.scrollWidth > th.clientWidth || getComputedStyle(th).wordBreak === 'break-all').map(th => th.textContent)");
                    Assert.Empty(broken);
                }
            }
        }
    }

    [Theory]
    [InlineData(Alice, "Alice Martin")] // the run's initiator, AgentOps.Starter and AgentOps.Reader: reading runs is not investigating them
    [InlineData(Mallory, "Mallory Outsider")] // no app role at all
    public async Task TimelinePage_SignedInWithoutTheInvestigatorRole_Is403AndShowsNoEvidence(string person, string name)
    {
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var url = $"{host.BaseUrl}/runs/{runId}/timeline";

        await BrowserSignIn.AtPageAsync(page, url, person);
        var response = await page.GotoAsync(url);

        Assert.Equal(403, response!.Status);
        Assert.Contains("needs the app role AgentOps.Investigator (or AgentOps.Administrator)", await page.Locator(".banner").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains($"{name} holds", await page.Locator(".banner").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#lanes, #steps").CountAsync());
        var report = await page.GotoAsync($"{url}/report?format=markdown");
        Assert.Equal(403, report!.Status);
    }

    [Fact]
    public async Task TimelinePage_Anonymous_IsRedirectedToSignInAndShownNothing()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(host.BaseUrl) };

        using var response = await anonymous.GetAsync($"/runs/{runId}/timeline");
        using var report = await anonymous.GetAsync($"/runs/{runId}/timeline/report?format=html");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith($"{dev.Authority}/authorize?", response.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Contains("client_id=agentops-host", response.Headers.Location.Query, StringComparison.Ordinal);
        Assert.DoesNotContain(runId, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, report.StatusCode);
    }

    [Fact]
    public async Task ReportApi_MarkdownAndHtml_NameInitiatorApproverChannelScopesWritesAndTheVerdict_OthersRefused()
    {
        using var ivan = host.As(await dev.SignInAsync(Ivan));

        var markdown = await ivan.GetAsync($"/api/runs/{runId}/report?format=markdown");
        var html = await ivan.GetAsync($"/api/runs/{runId}/report?format=html");
        using var pdf = await ivan.GetAsync($"/api/runs/{runId}/report?format=pdf");
        using var alice = host.As(await dev.SignInAsync(Alice));
        using var refused = await alice.GetAsync($"/api/runs/{runId}/report");
        using var anonymous = await host.Anonymous.GetAsync($"/api/runs/{runId}/report");

        Assert.Equal(HttpStatusCode.OK, markdown.StatusCode);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType!.MediaType);
        AssertMarkdownReport(await markdown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("no-store", html.Headers.CacheControl!.ToString());
        Assert.Contains("script-src 'none'", html.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        AssertHtmlReport(await html.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, pdf.StatusCode);
        Assert.Contains("'format' must be markdown or html", await pdf.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Cli_TimelineAndReportAsIvan_ShowLanesAndTheVerdictComputedHere()
    {
        var home = Path.Combine(shared.Homes, "ivan");
        Assert.Equal(0, (await CliAsync(home, "login", "--dev", Ivan, "--authority", dev.Authority)).ExitCode);
        var output = Path.Combine(shared.Homes, $"{runId}.html");

        var timeline = await CliAsync(home, "timeline", runId);
        var markdown = await CliAsync(home, "report", runId);
        var html = await CliAsync(home, "report", runId, "--format", "html", "--output", output);
        var missing = await CliAsync(home, "timeline", "crm-followup-no-such-run");
        var badFolder = await CliAsync(home, "report", runId, "--output", Path.Combine(shared.Homes, "no-such-folder", "r.md"));

        Assert.True(timeline.ExitCode == 0, timeline.Error);
        Assert.Contains("evidence: verified\n", timeline.Out, StringComparison.Ordinal);
        Assert.Contains("started ", timeline.Out, StringComparison.Ordinal);
        Assert.Contains("by Alice Martin <alice@contoso.example>", timeline.Out, StringComparison.Ordinal);
        foreach (var identity in new[] { "crm-reader", "drafter", "router", "crm-writer" })
        {
            Assert.Matches($@"\n  {identity}\s+client ", timeline.Out);
        }

        Assert.Matches(@"\n\+\d+:\d\d\.\d{3}  #\d+\s+gate\s+Bob Manager <bob\.manager@contoso\.example> approved at gate manager-review via cli", timeline.Out);
        Assert.Contains(@"\u000A# fine", timeline.Out, StringComparison.Ordinal); // the comment's newline cannot start a line
        Assert.True(markdown.ExitCode == 0, markdown.Error);
        AssertMarkdownReport(markdown.Out);
        Assert.True(html.ExitCode == 0, html.Error);
        Assert.Contains($"wrote {output}: incident report (html) of run {runId}; evidence: verified", html.Out, StringComparison.Ordinal);
        AssertHtmlReport(await File.ReadAllTextAsync(output));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no evidence of run crm-followup-no-such-run", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2, badFolder.ExitCode);
        Assert.Contains("--output", badFolder.Error, StringComparison.Ordinal);
        Assert.Contains("its folder does not exist", badFolder.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_PersonWithoutTheInvestigatorRole_ExitsFive()
    {
        var home = Path.Combine(shared.Homes, "mallory");
        Assert.Equal(0, (await CliAsync(home, "login", "--dev", Mallory, "--authority", dev.Authority)).ExitCode);

        var result = await CliAsync(home, "timeline", runId);

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("not allowed: Evidence needs the app role AgentOps.Investigator", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimelineAndReport_AfterTheDurableHistoryIsPurged_StillWorkFromTheLedger()
    {
        var purgedRun = await shared.RunGovernedAsync("ACC-000002", "approved before the purge");
        using (var purge = await host.Http.DeleteAsync($"/runtime/webhooks/durabletask/instances/{purgedRun}"))
        {
            Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        }

        using (var gone = await host.Http.GetAsync($"/runtime/webhooks/durabletask/instances/{purgedRun}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode); // the Durable history is gone
        }

        using var ivan = host.As(await dev.SignInAsync(Ivan));
        var markdown = await ivan.GetStringAsync($"/api/runs/{purgedRun}/report?format=markdown");
        AssertMarkdownReport(markdown, "approved before the purge");

        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserSignIn.AtPageAsync(page, $"{host.BaseUrl}/runs/{purgedRun}/timeline", Ivan);
        var response = await page.ReloadAsync();
        Assert.Equal(200, response!.Status);
        Assert.Equal(["crm-reader", "drafter", "router", "crm-writer", "gate"],
            await page.Locator("#lanes g.lane").EvaluateAllAsync<string[]>("gs => gs.map(g => g.getAttribute('data-lane'))"));
        Assert.Contains("Bob Manager", await page.Locator("#gate").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Evidence verified.", await page.Locator(".banner").InnerTextAsync(), StringComparison.Ordinal);

        var cli = await CliAsync(Path.Combine(shared.Homes, "ivan-purged"), "login", "--dev", Ivan, "--authority", dev.Authority);
        Assert.Equal(0, cli.ExitCode);
        var timeline = await CliAsync(Path.Combine(shared.Homes, "ivan-purged"), "timeline", purgedRun);
        Assert.True(timeline.ExitCode == 0, timeline.Error);
        Assert.Contains("evidence: verified", timeline.Out, StringComparison.Ordinal);
    }

    private static void AssertMarkdownReport(string md, string comment = "")
    {
        // It opens with the account: who started what, what the model drafted, who decided with their words, what was
        // written where under which identity; then the verdict says what was checked.
        var account = md[md.IndexOf("## What happened\n", StringComparison.Ordinal)..md.IndexOf("## Verdict\n", StringComparison.Ordinal)];
        Assert.Matches(@"\n- Alice Martin \\<alice\\@contoso\.example\\> started crm-followup on \d{4}-\d\d-\d\d at \d\d:\d\d:\d\d UTC with input accountId `ACC-00000\d`\.\n", account);
        Assert.Contains("\n- The model offline-template-drafter drafted step draft-followup as drafter (model output, untrusted, quoted as drafted): ", account, StringComparison.Ordinal);
        Assert.Contains(": route step route-by-tier chose gate manager-review. The request reached nobody: ", account, StringComparison.Ordinal);
        Assert.Matches(@"\n- Bob Manager \\<bob\.manager\\@contoso\.example\\> approved at gate manager-review on [^\n]+ via cli \(as group emea-sales-managers\), saying “", account);
        Assert.Matches(@"\n- As crm-writer \(client `6f1c0a10-0000-4000-8000-000000000002`\) the run wrote to crm: crm\.tasks\.create, crm\.notes\.create on `ACC-00000\d`, [^\n]+: succeeded; the system returned [^\n]*`TASK-[0-9A-F]+` \(crm\.tasks\.create\)", account);
        Assert.Matches(@"## Verdict\n\nVerified: all \d+ of the run's records are intact and chained \(each holds the hash of the one before\), the run's signed head covers all of them, and that head is in the signed evidence log\.\n", md);
        if (comment.Length > 0)
        {
            Assert.Contains($"saying “{comment}”.", account, StringComparison.Ordinal); // a plain sentence is not escaped
        }

        Assert.Contains("- **Evidence:** verified\n", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Started by:** Alice Martin \<alice\@contoso.example\>", md, StringComparison.Ordinal);
        Assert.Contains("| crm-reader | `6f1c0a10-0000-4000-8000-000000000001` |", md, StringComparison.Ordinal);
        Assert.Contains("| crm-writer | `6f1c0a10-0000-4000-8000-000000000002` |", md, StringComparison.Ordinal);
        Assert.Contains("crm: crm.tasks.create, crm.notes.create; records region=emea; fields subject, body, dueDate, ownerId", md, StringComparison.Ordinal);
        Assert.Matches(@"\| manager-review \| Bob Manager \\<bob\.manager\\@contoso\.example\\> \(id `[^`|]+`\) \| approved \| cli \| group emea-sales-managers \|", md);
        Assert.Matches(@"\| crm \| write-followup \| crm-writer \| crm\.tasks\.create, crm\.notes\.create \| `ACC-00000\d` \| succeeded \|", md);
        // This host has no mail or Teams channel, so the gate's notices are what failed; no step failed or was refused.
        var failed = md[md.IndexOf("## What failed", StringComparison.Ordinal)..md.IndexOf("## Timeline", StringComparison.Ordinal)];
        Assert.Contains("- notice for gate manager-review: email: the email channel is not configured on this host", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("refused", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("the run stopped", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("step ", failed, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?<!\\)<", md);
        if (comment.Length == 0)
        {
            Assert.Contains(@"\<script\>document.title='pwned'\</script\> \[approved by CEO\](https\://evil.example/x) # fine", md, StringComparison.Ordinal);
        }
    }

    private static void AssertHtmlReport(string html)
    {
        Assert.Contains("<p id=\"verdict\">Verified: all ", html, StringComparison.Ordinal);
        Assert.Contains("<ul id=\"account\"><li>Alice Martin &lt;alice@contoso.example&gt; started crm-followup on ", html, StringComparison.Ordinal);
        Assert.Contains("Alice Martin &lt;alice@contoso.example&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<td data-label=\"Identity\">crm-writer</td><td class=\"any\" data-label=\"Client id\"><code>6f1c0a10-0000-4000-8000-000000000002</code></td>", html, StringComparison.Ordinal);
        Assert.Matches("<td(?: class=\"any\")? data-label=\"Who\">Bob Manager &lt;bob.manager@contoso.example&gt; \\(id <code>[^<]+</code>\\)</td><td data-label=\"Decision\">approved</td><td data-label=\"Channel\">cli</td>", html);
        Assert.Contains("<table id=\"writes\" class=\"stack\">", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    private Task<(int ExitCode, string Out, string Error)> CliAsync(string home, params string[] args) => CliProcess.RunAsync(home, host.BaseUrl, args);

    /// <summary>DevServices, the host, and one finished governed run with an ignored event and Bob's approval, for the class.</summary>
    public sealed class SharedRun : IAsyncLifetime
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private DevServicesProcess? dev;
        private HostProcess? host;
        private string? runId;

        public string Homes { get; } = Directory.CreateTempSubdirectory("agentops-timeline-").FullName;

        internal async Task<(DevServicesProcess, HostProcess, string)> StartOnceAsync(AzuriteFixture azurite)
        {
            await gate.WaitAsync();
            try
            {
                if (dev is null || host is null)
                {
                    dev = await DevServicesProcess.StartAsync(azurite);
                    var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);

                    host = await HostProcess.StartHealthyAsync(settings);
                }

                runId ??= await RunGovernedAsync("ACC-000002", HostileComment);
                return (dev, host, runId);
            }
            finally
            {
                gate.Release();
            }
        }

        /// <summary>Alice starts crm-followup; at the gate a hand-raised event is ignored, then Bob approves; waits for the end.</summary>
        internal async Task<string> RunGovernedAsync(string account, string comment)
        {
            string id;
            using (var alice = host!.As(await dev!.SignInAsync(Alice)))
            {
                using var started = await alice.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = account } });
                Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
                id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
            }

            await host.WaitForJsonAsync($"/api/runs/{id}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "waiting");
            using (var raised = await host.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{id}/raiseEvent/approval",
                new StringContent("""{"approved":true,"approver":"bob.manager@contoso.example"}""", System.Text.Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
            }

            await host.WaitForJsonAsync($"/api/runs/{id}", s => s.GetProperty("approvals").GetArrayLength() > 0, Patience, "the event judged");
            using (var bob = host.As(await dev.SignInAsync(Bob)))
            {
                using var approved = await bob.PostAsJsonAsync($"/api/runs/{id}/approvals", new { approved = true, comment });
                Assert.True(approved.StatusCode == HttpStatusCode.Accepted, await approved.Content.ReadAsStringAsync());
            }

            var done = await host.WaitForJsonAsync($"/api/runs/{id}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
            Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
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

            gate.Dispose();
            Directory.Delete(Homes, recursive: true);
        }
    }
}

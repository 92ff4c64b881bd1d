using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Every page people read, at a phone's width and a desktop's, in headless Chromium: axe-core finds no serious or
/// critical WCAG 2.2 AA violation and nothing scrolls sideways; screenshots are kept under .artifacts/screenshots.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AccessibilityTests(AzuriteFixture azurite, BrowserFixture browser, TimelineTests.SharedRun shared)
    : IAsyncLifetime, IClassFixture<BrowserFixture>, IClassFixture<TimelineTests.SharedRun>
{
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;
    private string runId = null!;

    public async Task InitializeAsync() => (dev, host, runId) = await shared.StartOnceAsync(azurite);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task InvestigatorPages_AtPhoneAndDesktopWidths_PassAxeAndDoNotScrollSideways()
    {
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserSignIn.AtPageAsync(page, $"{host.BaseUrl}/runs/{runId}/timeline", TimelineTests.Ivan);
        var problems = new List<string>();
        foreach (var size in PageChecks.Widths)
        {
            await page.GotoAsync($"{host.BaseUrl}/runs/{runId}/timeline");
            problems.AddRange(await PageChecks.ProblemsAtAsync(page, size, "timeline"));
            await page.GotoAsync($"{host.BaseUrl}/runs/{runId}/timeline/report?format=html");
            problems.AddRange(await PageChecks.ProblemsAtAsync(page, size, "report"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}

using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// What every page must hold at a phone's width and a desktop's: axe-core (Deque's engine, in the page itself) finds no
/// serious or critical violation of WCAG 2.x A/AA, nothing scrolls sideways, and a screenshot is kept as a test
/// artifact under .artifacts/screenshots for people to look at.
/// </summary>
internal static class PageChecks
{
    /// <summary>A phone (iPhone 12-15 CSS pixels) and a laptop.</summary>
    public static readonly (string Name, int Width, int Height)[] Widths = [("phone", 390, 844), ("desktop", 1280, 800)];

    private static readonly string[] Standards = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

    public static string ScreenshotDirectory { get; } = Path.Combine(RepoPaths.Root, ".artifacts", "screenshots");

    /// <summary>Sets the viewport, then checks and photographs the page as it is now.</summary>
    public static async Task CheckAtAsync(IPage page, (string Name, int Width, int Height) size, string screenshot)
    {
        var problems = await ProblemsAtAsync(page, size, screenshot);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Checks and photographs the page at the window size it has now (<paramref name="screenshot"/> names the file).</summary>
    public static async Task CheckAsync(IPage page, string screenshot)
    {
        var problems = await ProblemsAsync(page, screenshot, screenshot);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The same checks, returned rather than asserted, for a test that walks several pages and reports all at once.</summary>
    public static async Task<List<string>> ProblemsAtAsync(IPage page, (string Name, int Width, int Height) size, string screenshot)
    {
        await page.SetViewportSizeAsync(size.Width, size.Height);
        return await ProblemsAsync(page, $"{screenshot}-{size.Name}", $"{screenshot} at {size.Width} px");
    }

    private static async Task<List<string>> ProblemsAsync(IPage page, string screenshot, string what)
    {
        await SaveScreenshotAsync(page, screenshot);
        return new[] { await SidewaysScrollAsync(page, what), await AxeViolationsAsync(page, what) }.OfType<string>().ToList();
    }

    public static async Task AssertNoSidewaysScrollAsync(IPage page, string what)
    {
        var problem = await SidewaysScrollAsync(page, what);
        Assert.True(problem is null, problem);
    }

    private static async Task<string?> AxeViolationsAsync(IPage page, string what)
    {
        var results = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. Standards] } });
        if (results.Passes.Length == 0)
        {
            return $"{what}: axe-core passed no rule at all, so it did not check the page";
        }

        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        return serious.Count == 0 ? null : ($"{what}: axe-core found {serious.Count} serious or critical violation(s):\n" + string.Join("\n", serious.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help}\n  " + string.Join("\n  ", v.Nodes.Take(5).Select(n => n.Html)))));
    }

    private static async Task<string?> SidewaysScrollAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        return widths[0] <= widths[1] ? null : $"{what}: the page is {widths[0]} px wide in a {widths[1]} px window, so it scrolls sideways";
    }

    public static async Task SaveScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }
}

using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>A person at Chromium who opens a page, is sent to the dev sign-in, picks themselves, and comes back.</summary>
internal static class BrowserSignIn
{
    /// <summary>
    /// Opens <paramref name="url"/>, picks <paramref name="person"/> at the dev provider, and waits for the page's own
    /// answer to the returning navigation and then its heading. It waits on that response rather than on a URL or load
    /// state: a 403 page can sit short of "load" while the browser idles, and Playwright's URL wait falls back to a
    /// load-state wait when the URL already matches, which timed out now and then with the page already there.
    /// </summary>
    public static async Task AtPageAsync(IPage page, string url, string person)
    {
        await page.GotoAsync(url);
        var path = new Regex(Regex.Escape(new Uri(url).AbsolutePath) + "$");
        try
        {
            var back = page.WaitForResponseAsync(response => response.Request.IsNavigationRequest && path.IsMatch(new Uri(response.Url).AbsolutePath));
            await page.ClickAsync($"button[value='{person}']");
            await back;
            await page.Locator("h1").WaitForAsync();
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"signing in as {person} did not come back to {url}; the browser is at {page.Url}: {await page.ContentAsync()}", ex);
        }
    }
}

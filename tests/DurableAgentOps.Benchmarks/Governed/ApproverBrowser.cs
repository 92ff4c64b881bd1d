using System.Net;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Benchmarks.Governed;

/// <summary>
/// An approver as the approval page sees one, over plain HTTP: signs in once through the host's OpenID Connect flow
/// (the dev sign-in provider's person picker, as a browser posts it), keeps the session cookie, and for each run opens
/// the mailed link and posts the page's own form (its anti-forgery token included). No browser: the page's POST is the
/// measured path, and a thousand of them should not measure chromium.
/// </summary>
internal sealed partial class ApproverBrowser(string approverEmail) : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        CookieContainer = new CookieContainer(),
        AllowAutoRedirect = true,
        MaxConnectionsPerServer = 32,
    }) { Timeout = TimeSpan.FromSeconds(60) };

    private readonly SemaphoreSlim signIn = new(1, 1);
    private volatile bool signedIn;

    /// <summary>
    /// Opens the link's page and posts Approve; throws naming the page's answer if it is not accepted. Returns when the
    /// POST went out (UTC): the approval → write figure starts there, not at the page's GET before it.
    /// </summary>
    public async Task<DateTimeOffset> ApproveAsync(string link, CancellationToken cancellation)
    {
        var page = await GetPageAsync(link, cancellation);
        if (!page.Contains("id=\"decision\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the approval page offers no decision form: {Excerpt(page)}");
        }

        var action = WebUtility.HtmlDecode(FormAction().Match(page).Groups[1].Value);
        var hidden = HiddenField().Match(page);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(hidden.Groups[1].Value)] = WebUtility.HtmlDecode(hidden.Groups[2].Value),
            ["comment"] = "benchmark",
            ["decision"] = "approve",
        });
        var posted = DateTimeOffset.UtcNow;
        using var answer = await http.PostAsync(new Uri(new Uri(link), action), form, cancellation);
        var text = await answer.Content.ReadAsStringAsync(cancellation);
        if (!answer.IsSuccessStatusCode || !text.Contains("banner ok", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the approval was not accepted: {(int)answer.StatusCode} {Excerpt(text)}");
        }

        return posted;
    }

    public void Dispose()
    {
        http.Dispose();
        signIn.Dispose();
    }

    private async Task<string> GetPageAsync(string link, CancellationToken cancellation)
    {
        if (!signedIn)
        {
            // The first page is opened alone, sign-in included: pages opened at once before it each set an anti-forgery
            // cookie of their own, the cookie jar keeps the last, and the other pages' forms are then refused.
            await signIn.WaitAsync(cancellation);
            try
            {
                if (!signedIn)
                {
                    var first = await http.GetStringAsync(link, cancellation);
                    if (first.Contains("id=\"sign-in\"", StringComparison.Ordinal))
                    {
                        await SignInAsync(link, cancellation);
                        first = await http.GetStringAsync(link, cancellation);
                    }

                    signedIn = true;
                    return first;
                }
            }
            finally
            {
                signIn.Release();
            }
        }

        return await http.GetStringAsync(link, cancellation);
    }

    /// <summary>The page's sign-in link leads to the provider's picker; its form carries the request back with the person chosen.</summary>
    private async Task SignInAsync(string link, CancellationToken cancellation)
    {
        using var picker = await http.GetAsync(link + "/sign-in", cancellation);
        var authorize = picker.RequestMessage?.RequestUri ?? throw new InvalidOperationException("the sign-in did not reach the provider");
        var fields = System.Web.HttpUtility.ParseQueryString(authorize.Query);
        var form = fields.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => fields[k]!);
        form["person"] = approverEmail;
        using var content = new FormUrlEncodedContent(form);
        using var back = await http.PostAsync(new Uri(authorize.GetLeftPart(UriPartial.Path)), content, cancellation);
        var page = await back.Content.ReadAsStringAsync(cancellation);
        if (!back.IsSuccessStatusCode || !page.Contains("id=\"decision\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"signing in as {approverEmail} did not lead back to a decision form: {(int)back.StatusCode} {Excerpt(page)}");
        }
    }

    private static string Excerpt(string page)
    {
        var text = Tags().Replace(page, " ");
        text = Regex.Replace(text, @"\s+", " ").Trim();
        return text.Length <= 300 ? text : text[..300] + "…";
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]*)\" id=\"decision\">")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}

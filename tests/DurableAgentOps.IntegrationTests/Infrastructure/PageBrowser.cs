using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// What a browser does with the pages, over plain HTTP (no Chromium): cookies kept, redirects not followed, the pages'
/// sign-in at the dev provider driven by hand. It connects from a loopback address of its own (any 127.0.0.x reaches a
/// host listening on 127.0.0.1), so that per-address limits of one test do not spill into another.
/// </summary>
internal sealed partial class PageBrowser : HttpClient
{
    public PageBrowser(string baseUrl, IPAddress from, string? bearer = null, bool cookies = false)
        : this(Handler(from, cookies ? new CookieContainer() : null), baseUrl, bearer)
    {
    }

    private PageBrowser(SocketsHttpHandler handler, string baseUrl, string? bearer)
        : base(handler)
    {
        Cookies = handler.UseCookies ? handler.CookieContainer : null;
        BaseAddress = new Uri(baseUrl);
        Timeout = TimeSpan.FromSeconds(60);
        if (bearer is not null)
        {
            DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }
    }

    public CookieContainer? Cookies { get; }

    /// <summary>
    /// Follows a page's sign-in link to the dev provider and picks <paramref name="person"/> there: the callback URL the
    /// provider sends the browser back to (with a code, or an error for someone not in its directory), not yet followed.
    /// </summary>
    public async Task<Uri> AuthorizeAsync(string signInPath, Uri provider, string person)
    {
        using var challenge = await GetAsync(signInPath);
        Assert.True(challenge.StatusCode == HttpStatusCode.Redirect, $"{(int)challenge.StatusCode} {await challenge.Content.ReadAsStringAsync()}");
        using var picker = await GetAsync(challenge.Headers.Location!);
        var html = await picker.Content.ReadAsStringAsync();
        Assert.True(picker.IsSuccessStatusCode, html);
        var fields = HiddenFields(html);
        fields.Add(KeyValuePair.Create("person", person));
        using var picked = await PostAsync(new Uri(provider, "/signin/authorize"), new FormUrlEncodedContent(fields));
        Assert.True(picked.StatusCode == HttpStatusCode.Redirect, await picked.Content.ReadAsStringAsync());
        return picked.Headers.Location!;
    }

    /// <summary>Signs <paramref name="person"/> in from the page at <paramref name="pagePath"/> and comes back to it: the page, signed in.</summary>
    public async Task<string> SignInAtPageAsync(string pagePath, Uri provider, string person)
    {
        var callback = await AuthorizeAsync(pagePath + "/sign-in", provider, person);
        using var signedIn = await GetAsync(callback);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"{(int)signedIn.StatusCode} {await signedIn.Content.ReadAsStringAsync()}");
        using var page = await GetAsync(signedIn.Headers.Location!);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.IsSuccessStatusCode, html);
        return html;
    }

    /// <summary>The hidden fields of a page's form (the provider's request parameters, the page's anti-forgery token).</summary>
    public static List<KeyValuePair<string, string>> HiddenFields(string html) =>
        [.. HiddenField().Matches(html).Select(m => KeyValuePair.Create(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)))];

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();

    private static SocketsHttpHandler Handler(IPAddress from, CookieContainer? cookies) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = cookies is not null,
        CookieContainer = cookies ?? new CookieContainer(),
        ConnectCallback = async (context, token) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(from, 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

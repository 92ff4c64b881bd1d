using System.Net;
using System.Net.Http.Json;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Overload and bad sign-in answers on the standalone host, over real HTTP with its default limits: 300 requests at
/// once from one address to the sign-in link, the approval page or run start get 429s with Retry-After while another
/// address or caller is still served; a sign-in callback without a state, with a foreign one, with the provider's
/// error or with a code used before is a 400 page, logged as one line with no stack. Each test sends from its own
/// loopback address (127.0.0.x), so that the limits of one do not spill into another.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OverloadTests(AzuriteFixture azurite, OverloadTests.SharedHost shared) : IAsyncLifetime, IClassFixture<OverloadTests.SharedHost>
{
    private const int Flood = 300;

    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync() => (dev, host) = await shared.StartOnceAsync(azurite);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SignInLink_ThreeHundredAtOnceFromOneAddress_MostGet429WithRetryAfterAndAnotherAddressIsServed()
    {
        var link = $"/approvals/{SharedHost.Token()}/sign-in";
        using var flooder = Client("127.0.0.11");

        var answers = await FloodAsync(() => flooder.GetAsync(link));
        using var other = Client("127.0.0.12");
        using var served = await other.GetAsync(link);

        AssertLimited(answers, HttpStatusCode.Redirect, atLeast: Flood - 60 - 20, html: true);
        Assert.Equal(HttpStatusCode.Redirect, served.StatusCode);
    }

    [Fact]
    public async Task ApprovalPage_ThreeHundredAtOnceFromOneAddress_SomeGet429WithRetryAfterAndAnotherAddressIsServed()
    {
        using var flooder = Client("127.0.0.21");

        var answers = await FloodAsync(() => flooder.GetAsync("/approvals/not-a-link"));
        using var other = Client("127.0.0.22");
        using var served = await other.GetAsync("/approvals/not-a-link");

        AssertLimited(answers, HttpStatusCode.BadRequest, atLeast: Flood - 240 - 20, html: true);
        Assert.Equal(HttpStatusCode.BadRequest, served.StatusCode);
    }

    [Fact]
    public async Task StartRun_ThreeHundredAtOnceAsOneCaller_SomeGet429WithAProblemAndAnotherCallerIsServed()
    {
        using var alice = Client("127.0.0.31", await dev.SignInAsync("alice@contoso.example"));

        // An input the workflow refuses: each start is still authenticated, counted and validated, and starts nothing.
        var answers = await FloodAsync(() => alice.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = 42 } }));
        using var bob = Client("127.0.0.31", await dev.SignInAsync("bob.manager@contoso.example"));
        using var served = await bob.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = 42 } });

        AssertLimited(answers, HttpStatusCode.BadRequest, atLeast: Flood - 200 - 20, html: false);
        Assert.Equal(HttpStatusCode.Forbidden, served.StatusCode); // same address, another caller: its own budget (and bob may not start runs)
    }

    [Theory]
    [InlineData("no-state", "?code=abc", "was not issued for this host")]
    [InlineData("foreign-state", "?code=abc&state=CfDJ8forged", "was not issued for this host")]
    [InlineData("nothing", "", "was not issued for this host")]
    public async Task SignInCallback_WithoutAValidState_Is400PageWithNoStackInTheLog(string kind, string query, string expected)
    {
        using var browser = Client("127.0.0.41");

        using var answer = await browser.GetAsync("/signin-oidc" + query);

        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{kind}: {(int)answer.StatusCode} {body}");
        Assert.StartsWith("text/html", answer.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("Sign-in failed.", body, StringComparison.Ordinal);
        Assert.Contains(expected, body, StringComparison.Ordinal);
        await AssertLoggedWithoutStackAsync("the callback's state is missing or was not issued by this host");
    }

    [Fact]
    public async Task SignInCallback_ErrorFromTheProvider_Is400PageNamingTheError()
    {
        using var browser = Client("127.0.0.42", cookies: true);
        var callback = await AuthorizeAsync(browser, person: "nobody@contoso.example");

        using var answer = await browser.GetAsync(callback);

        Assert.Contains("error=access_denied", callback.Query, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("it answered &#x27;access_denied&#x27;", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(browser.Cookies!.GetCookies(new Uri(host.BaseUrl)), c => c.Name == "agentops.pages"); // nobody signed in
        await AssertLoggedWithoutStackAsync("the sign-in provider answered error 'access_denied'");
    }

    [Fact]
    public async Task SignInCallback_CodeUsedTwice_SignsInOnceThenIs400()
    {
        using var browser = Client("127.0.0.43", cookies: true);
        var callback = await AuthorizeAsync(browser, person: "bob.manager@contoso.example");

        using var first = await browser.GetAsync(callback);
        using var replayed = await browser.GetAsync(callback);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode); // signed in, back to the page
        Assert.Contains(browser.Cookies!.GetCookies(new Uri(host.BaseUrl)), c => c.Name == "agentops.pages");
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Contains("already completed", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertLoggedWithoutStackAsync("no sign-in started by this browser matches the callback");
    }

    [Fact]
    public async Task SignInCallback_CodeReplayedWithTheSameCookiesButARedeemedCode_Is400()
    {
        // An attacker who saw a callback URL and the browser's correlation cookie before it was used: the provider
        // redeems a code once, so the second exchange is refused by the provider, not by the cookie.
        using var browser = Client("127.0.0.44", cookies: true);
        var callback = await AuthorizeAsync(browser, person: "bob.manager@contoso.example");
        var cookies = browser.Cookies!.GetCookieHeader(callback); // the correlation and nonce cookies, scoped to the callback path
        Assert.Contains(".AspNetCore.Correlation.", cookies, StringComparison.Ordinal);
        using var first = await browser.GetAsync(callback);
        using var attacker = Client("127.0.0.45");
        using var request = new HttpRequestMessage(HttpMethod.Get, callback);
        request.Headers.Add("Cookie", cookies);

        using var replayed = await attacker.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Contains("already completed or has expired", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertLoggedWithoutStackAsync("the sign-in provider refused to redeem the code");
    }

    [Fact]
    public async Task StartRun_ASeededSampleOfRandomBodiesOverHttp_NoneIs5xx()
    {
        // The in-process fuzz (Core's InputFuzzTests) runs 10,000 inputs; this sends a sample through the real pipeline.
        const int seed = 20260416;
        var random = new Random(seed);
        using var ana = Client("127.0.0.51", await dev.SignInAsync("ana.silva@contoso.example")); // alice's budget is the flood test's
        var answers = new Dictionary<int, int>();
        for (var i = 0; i < 120; i++)
        {
            var (type, body) = RandomBody(random);
            using var content = new ByteArrayContent(body);
            if (type.Length > 0)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", type);
            }

            using var answer = await ana.PostAsync(random.Next(10) == 0 ? "/api/workflows/no-such-flow/runs" : "/api/workflows/crm-followup/runs", content);
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True((int)answer.StatusCode is 202 or (>= 400 and < 500) && answer.StatusCode != HttpStatusCode.TooManyRequests,
                $"case {i} (seed {seed}): {(int)answer.StatusCode} {text}\n--- {type} ---\n{System.Text.Encoding.UTF8.GetString(body)}");
            answers[(int)answer.StatusCode] = answers.GetValueOrDefault((int)answer.StatusCode) + 1;
        }

        Assert.True(answers.GetValueOrDefault(400) > 50, string.Join(", ", answers.Select(a => $"{a.Key}×{a.Value}")));
    }

    [Fact]
    public async Task ApprovalPage_ASeededSampleOfRandomLinksAndFormsOverHttp_EachA4xxPage()
    {
        const int seed = 20260417;
        var random = new Random(seed);
        using var browser = Client("127.0.0.52");
        var good = SharedHost.Token();
        for (var i = 0; i < 100; i++)
        {
            var token = random.Next(3) switch
            {
                0 => good[..random.Next(1, good.Length)],
                1 => good.Insert(random.Next(good.Length), ((char)random.Next(0x21, 0x3000)).ToString()),
                _ => new string([.. Enumerable.Range(0, random.Next(1, 300)).Select(_ => (char)random.Next(0x21, 0x7F))]),
            };
            var path = "/approvals/" + Uri.EscapeDataString(token);
            var (type, body) = RandomBody(random);
            using var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", random.Next(2) == 0 ? "application/x-www-form-urlencoded" : type);
            using var answer = random.Next(2) == 0 ? await browser.GetAsync(path) : await browser.PostAsync(path, content);
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True((int)answer.StatusCode is >= 400 and < 500 && answer.StatusCode != HttpStatusCode.TooManyRequests,
                $"case {i} (seed {seed}): {(int)answer.StatusCode} {text}\n--- token ---\n{token}");
        }
    }

    /// <summary>A request body of any kind: JSON of the right and wrong shapes, too big, too deep, not JSON, under a random content type.</summary>
    private static (string Type, byte[] Body) RandomBody(Random random)
    {
        string[] types = ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=latin1"];
        var text = random.Next(9) switch
        {
            0 => "{\"input\":{\"accountId\":\"ACC-" + random.Next(0, 999999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + "\"}}",
            1 => "{\"input\":{\"accountId\":" + random.Next() + "}}",
            2 => "{\"input\":[1,2]}",
            3 => "{\"input\":{\"accountId\":\"" + new string('A', random.Next(10, 40000)) + "\"}}",
            4 => new string('[', 5000) + new string(']', 5000),
            5 => "{\"input\":{},\"extra\":" + new string('{', 100) + new string('}', 100) + "}",
            6 => "decision=approve&comment=" + new string('x', random.Next(0, 5000)),
            7 => "{\"input\":{\"accountId\":\"ACC-000002\",\"callId\":\"\u0000\"}}",
            _ => new string([.. Enumerable.Range(0, random.Next(0, 500)).Select(_ => (char)random.Next(0x01, 0x3000))]),
        };
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return (types[random.Next(types.Length)], random.Next(15) == 0 ? [.. bytes, 0xFF, 0xFE, 0xC3] : bytes);
    }

    private static void AssertLimited(IReadOnlyList<(HttpStatusCode Status, string? RetryAfter, string? Type, string Body)> answers, HttpStatusCode served, int atLeast, bool html)
    {
        var summary = string.Join(", ", answers.GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));
        Assert.All(answers, a => Assert.True(a.Status == served || a.Status == HttpStatusCode.TooManyRequests, $"{(int)a.Status}: {a.Body} ({summary})"));
        var limited = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(limited.Count >= atLeast, $"{limited.Count} of {answers.Count} were limited, expected at least {atLeast} ({summary})");
        Assert.Contains(answers, a => a.Status == served); // the budget was served first
        Assert.All(limited, a =>
        {
            Assert.True(int.TryParse(a.RetryAfter, out var seconds) && seconds >= 1, $"Retry-After: {a.RetryAfter}");
            Assert.StartsWith(html ? "text/html" : "application/problem+json", a.Type, StringComparison.Ordinal);
            Assert.Contains("Too many requests", a.Body, StringComparison.Ordinal);
        });
    }

    private static async Task<List<(HttpStatusCode, string?, string?, string)>> FloodAsync(Func<Task<HttpResponseMessage>> send)
    {
        using var start = new ManualResetEventSlim();
        var sends = Enumerable.Range(0, Flood).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            using var response = await send();
            return (response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(sends)];
    }

    private Task<Uri> AuthorizeAsync(PageBrowser browser, string person) =>
        browser.AuthorizeAsync($"/approvals/{SharedHost.Token()}/sign-in", new Uri(dev.BaseUrl), person);

    private async Task AssertLoggedWithoutStackAsync(string reason)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!host.Output.Contains(reason, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(reason, host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at Microsoft.AspNetCore", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("An unhandled exception", host.Output, StringComparison.Ordinal);
    }

    private PageBrowser Client(string address, string? bearer = null, bool cookies = false) => new(host.BaseUrl, IPAddress.Parse(address), bearer, cookies);

    /// <summary>DevServices and one host with the default limits and a link signing key, for the class.</summary>
    public sealed class SharedHost : IAsyncLifetime
    {
        private static readonly byte[] LinkKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

        private readonly SemaphoreSlim gate = new(1, 1);
        private DevServicesProcess? dev;
        private HostProcess? host;

        /// <summary>A link signed with the host's key (sign-in only checks the signature; the page then finds no run).</summary>
        public static string Token() => new ApprovalLinkSigner(LinkKey).Sign(new ApprovalLinkClaims(
            "run-overload", "gate", "step", null, "email", new string('0', 64), ApprovalLinkSigner.NewLinkId(), DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()));

        internal async Task<(DevServicesProcess, HostProcess)> StartOnceAsync(AzuriteFixture azurite)
        {
            await gate.WaitAsync();
            try
            {
                if (dev is null || host is null)
                {
                    dev = await DevServicesProcess.StartAsync(azurite);
                    var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
                    settings["AgentOps__Approvals__LinkSigningKey"] = Convert.ToBase64String(LinkKey);
                    host = await HostProcess.StartHealthyAsync(settings);
                }

                return (dev, host);
            }
            finally
            {
                gate.Release();
            }
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

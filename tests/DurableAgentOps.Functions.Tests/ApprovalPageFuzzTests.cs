using System.Net;
using System.Security.Claims;
using System.Text;
using DurableAgentOps.Api;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Approvals;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Functions.Tests;

/// <summary>
/// The approval page as the Functions app's triggers run it, in this process, 10,000 seeded requests each: link tokens
/// in the page's URL (GET), and form posts to it (POST) from a signed-in approver with a good anti-forgery pair, whose
/// bodies are mutated (content types, encodings, field counts and sizes, broken multipart). Every answer is a 4xx page
/// that says why; nothing throws. A failure prints the seed, the case and the input.
/// </summary>
public sealed class ApprovalPageFuzzTests
{
    private const int Seed = 20260415;
    private const int Cases = 10_000;

    private static readonly byte[] LinkKey = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["AgentOps:Approvals:LinkSigningKey"] = Convert.ToBase64String(LinkKey),
        ["AgentOps:RateLimits:ApprovalPagePerMinute"] = "1000000", // this test is the flood; the limits have their own tests
        ["AgentOps:RateLimits:Concurrent"] = "10000",
    };

    private static readonly string[] ContentTypes =
    [
        "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "application/x-www-form-urlencoded; charset=bogus",
        "multipart/form-data; boundary=XyZ", "multipart/form-data", "multipart/form-data; boundary=\"", "application/json", "text/plain", "", "*/*",
    ];

    [Fact]
    public async Task ApprovalPage_TenThousandMutatedLinkTokens_EachA4xxPageAndNoneThrows()
    {
        await using var app = FunctionsApp.Start(Settings);
        var invoker = app.Services.GetRequiredService<EndpointInvoker>();
        var random = new Random(Seed);
        var token = new ApprovalLinkSigner(LinkKey).Sign(new ApprovalLinkClaims("crm-followup-0123456789ab", "manager-review", "create-task", null, "email",
            new string('a', 64), ApprovalLinkSigner.NewLinkId(), DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds()));
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < Cases; i++)
        {
            var candidate = Mutate(token, random);
            if (candidate == token)
            {
                continue; // the good link would be looked up in storage, which this process has none of
            }

            var http = Request(app, "GET", candidate);
            try
            {
                await invoker.InvokeAsync("ApprovalPage", http, ("token", candidate));
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i} (seed {Seed}) threw {ex.GetType().Name}: {ex.Message}\n--- token ---\n{candidate}");
            }

            AssertAnswered(http, i, candidate);
            statuses[http.Response.StatusCode] = statuses.GetValueOrDefault(http.Response.StatusCode) + 1;
        }

        Assert.Equal([400], statuses.Keys.Order()); // mutated: never issued by this host, whatever the mutation
    }

    [Fact]
    public async Task ApprovalDecision_TenThousandMutatedFormPostsFromASignedInApprover_EachA4xxPageAndNoneThrows()
    {
        await using var app = FunctionsApp.Start(Settings);
        var invoker = app.Services.GetRequiredService<EndpointInvoker>();
        var (cookies, field, requestToken) = await SignedInAsync(app);
        var random = new Random(Seed);
        var statuses = new Dictionary<int, int>();
        var bodies = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Cases; i++)
        {
            var (contentType, body) = Form(random, field, requestToken);
            var http = Request(app, "POST", "forged-link");
            if (random.Next(20) != 0)
            {
                http.Request.Headers.Cookie = cookies;
            }

            if (contentType.Length > 0)
            {
                http.Request.ContentType = contentType;
            }

            http.Request.Body = new MemoryStream(body);
            http.Request.ContentLength = random.Next(30) == 0 ? body.Length + 10 : body.Length;
            try
            {
                await invoker.InvokeAsync("ApprovalDecision", http, ("token", "forged-link"));
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i} (seed {Seed}) threw {ex.GetType().Name}: {ex.Message}\n--- {contentType} ---\n{Encoding.UTF8.GetString(body[..Math.Min(body.Length, 2000)])}");
            }

            AssertAnswered(http, i, Encoding.UTF8.GetString(body[..Math.Min(body.Length, 2000)]));
            statuses[http.Response.StatusCode] = statuses.GetValueOrDefault(http.Response.StatusCode) + 1;
            var why = FunctionsApp.Body(http) is var page && page.Contains("anti-forgery", StringComparison.Ordinal) ? "anti-forgery"
                : page.Contains("No decision", StringComparison.Ordinal) ? "no decision" : page.Contains("This link is not valid", StringComparison.Ordinal) ? "link"
                : page.Contains("Sign in to decide", StringComparison.Ordinal) ? "sign in" : "other";
            bodies[why] = bodies.GetValueOrDefault(why) + 1;
        }

        // Every check on the way must be reached by some posts, or the mutations prove little: the sign-in, the
        // anti-forgery pair, the decision field, and (a good form) the link.
        var reached = string.Join(", ", bodies.Select(b => $"{b.Key}×{b.Value}"));
        Assert.All(new[] { "sign in", "anti-forgery", "no decision", "link" }, check => Assert.True(bodies.GetValueOrDefault(check) >= 100, reached));
        Assert.True(statuses.Keys.All(s => s is 400 or 401), string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
    }

    private static void AssertAnswered(HttpContext http, int i, string input)
    {
        var status = http.Response.StatusCode;
        var page = FunctionsApp.Body(http);
        Assert.True(status is >= 400 and < 500, $"case {i} (seed {Seed}) answered {status}: {page}\n--- input ---\n{input}");
        Assert.StartsWith("text/html", http.Response.ContentType, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", page, StringComparison.Ordinal);
    }

    private static HttpContext Request(FunctionsApp app, string method, string token)
    {
        var http = app.Request(method, "/api/approvals/" + Uri.EscapeDataString(token));
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.RequestServices.GetRequiredService<RequestDurableClient>().Client = new UnusedDurableClient();
        return http;
    }

    /// <summary>The pages' cookie of a signed-in approver and an anti-forgery pair bound to it, as the page would have issued them.</summary>
    private static async Task<(string Cookies, string Field, string RequestToken)> SignedInAsync(FunctionsApp app)
    {
        var bob = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("oid", "0e000001-0000-4000-8000-000000000002"), new Claim("tid", "7d3e5c1a-0000-4000-8000-0000000000d0"), new Claim("name", "Bob")],
            "dev-sign-in", "name", "roles"));
        var signIn = app.Request("GET", "/api/signin-oidc");
        await signIn.SignInAsync(AuthenticationSetup.PagesScheme, bob);
        var pages = CookiePair(signIn.Response.Headers.SetCookie, "agentops.pages");

        var page = app.Request("GET", "/api/approvals/x");
        page.Request.Headers.Cookie = pages;
        page.User = (await page.AuthenticateAsync(AuthenticationSetup.PagesScheme)).Principal!;
        var tokens = app.Services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(page);
        return ($"{pages}; {CookiePair(page.Response.Headers.SetCookie, "agentops.antiforgery")}", tokens.FormFieldName, tokens.RequestToken!);
    }

    private static string CookiePair(Microsoft.Extensions.Primitives.StringValues setCookies, string name) =>
        setCookies.Select(c => c!.Split(';')[0]).Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    /// <summary>A form body: mostly the page's own fields (anti-forgery, decision, comment), mutated, under a random content type.</summary>
    private static (string ContentType, byte[] Body) Form(Random random, string field, string requestToken)
    {
        var contentType = random.Next(3) == 0 ? ContentTypes[random.Next(ContentTypes.Length)] : ContentTypes[0];
        var fields = new List<(string, string)>();
        if (random.Next(6) != 0)
        {
            fields.Add((field, random.Next(8) == 0 ? Mutate(requestToken, random) : requestToken));
        }

        if (random.Next(5) != 0)
        {
            fields.Add(("decision", random.Next(4) switch { 0 => "approve", 1 => "reject", 2 => Junk(random, 20), _ => random.Next(2) == 0 ? "APPROVE" : "approve\0" }));
        }

        if (random.Next(2) == 0)
        {
            fields.Add(("comment", random.Next(10) == 0 ? new string('c', random.Next(1000, 40_000)) : Junk(random, 200)));
        }

        for (var extra = random.Next(25) == 0 ? random.Next(1, 1500) : 0; extra > 0; extra--)
        {
            fields.Add((random.Next(50) == 0 ? new string('k', 3000) : $"f{extra}", "v"));
        }

        fields = [.. fields.OrderBy(_ => random.Next())];
        if (random.Next(10) == 0 && fields.Count > 0)
        {
            fields.Add(fields[random.Next(fields.Count)]); // a field twice
        }

        string text;
        if (contentType.StartsWith("multipart", StringComparison.Ordinal))
        {
            var parts = fields.Select(f => $"--XyZ\r\nContent-Disposition: form-data; name=\"{f.Item1}\"\r\n\r\n{f.Item2}\r\n");
            text = string.Concat(parts) + (random.Next(3) == 0 ? string.Empty : "--XyZ--\r\n");
        }
        else
        {
            text = string.Join('&', fields.Select(f => Encode(f.Item1, random) + "=" + Encode(f.Item2, random)));
        }

        var body = Encoding.UTF8.GetBytes(text);
        return random.Next(25) switch
        {
            0 => (contentType, body[..random.Next(body.Length + 1)]), // cut short
            1 => (contentType, [.. body, 0xC3, 0x28, 0xFF, 0xFE]), // not UTF-8
            _ => (contentType, body),
        };
    }

    private static string Encode(string text, Random random) => random.Next(12) switch
    {
        0 => text + "%",
        1 => text + "%zz",
        2 => text.Replace("=", "%3D", StringComparison.Ordinal) + "+%2B&&=",
        _ => Uri.EscapeDataString(text),
    };

    private static string Junk(Random random, int max) =>
        new([.. Enumerable.Range(0, random.Next(0, max)).Select(_ => random.Next(5) == 0 ? (char)random.Next(0x80, 0x3000) : (char)random.Next(0x20, 0x7F))]);

    private static string Mutate(string token, Random random)
    {
        var chars = token.ToList();
        switch (random.Next(6))
        {
            case 0:
                chars[random.Next(chars.Count)] = "AZaz09-_.=+/%"[random.Next(13)];
                break;
            case 1:
                chars.RemoveAt(random.Next(chars.Count));
                break;
            case 2:
                chars.Insert(random.Next(chars.Count + 1), (char)random.Next(0x20, 0x3000));
                break;
            case 3:
                return token[..random.Next(token.Length)] is { Length: > 0 } cut ? cut : "x";
            case 4:
                return new string('A', random.Next(1, 5000));
            default:
                return Junk(random, 300) is { Length: > 0 } junk ? junk : ".";
        }

        return new string([.. chars]);
    }
}

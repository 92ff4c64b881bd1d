using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>A PKCE pair as a public client makes one: a random verifier and its S256 challenge.</summary>
public sealed record PkcePair(string Verifier, string Challenge)
{
    public static PkcePair Create()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new PkcePair(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}

/// <summary>The sign-in page as a browser reads it: the raw HTML, its parsed document and the response.</summary>
public sealed record SignInPage(HttpResponseMessage Response, string Html, IHtmlDocument Document)
{
    public IHtmlFormElement Form => Document.Forms.OfType<IHtmlFormElement>().Single();

    public IReadOnlyList<IHtmlButtonElement> PersonButtons => [.. Form.QuerySelectorAll("button[name=person]").OfType<IHtmlButtonElement>()];

    public string Hidden(string name) => Form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>().Single(i => i.Name == name).Value;
}

/// <summary>
/// Drives the dev sign-in provider as a browser and a public client do: GET the authorize page, submit its form with
/// one person's button, read the redirect (never followed: nothing listens at the loopback URI), exchange the code.
/// </summary>
public sealed class SignInClient : IDisposable
{
    public const string Cli = "agentops-cli";
    public const string DefaultScope = "openid profile api://durableagentops/Runs.Access";

    private readonly HttpClient http;

    public SignInClient(Uri baseUrl)
    {
        http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = baseUrl };
    }

    public HttpClient Http => http;

    /// <summary>Authorization request parameters as a client sends them; tests change or remove (null) some.</summary>
    public static Dictionary<string, string?> Request(PkcePair pkce, string redirectUri = "http://127.0.0.1:51234/callback", string scope = DefaultScope, string clientId = Cli) => new()
    {
        ["response_type"] = "code",
        ["client_id"] = clientId,
        ["redirect_uri"] = redirectUri,
        ["scope"] = scope,
        ["state"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
        ["nonce"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
        ["code_challenge"] = pkce.Challenge,
        ["code_challenge_method"] = "S256",
    };

    public Task<HttpResponseMessage> AuthorizeAsync(IReadOnlyDictionary<string, string?> parameters) =>
        http.GetAsync(QueryHelpers.AddQueryString("signin/authorize", parameters.Where(p => p.Value is not null)));

    public async Task<SignInPage> PageAsync(IReadOnlyDictionary<string, string?> parameters)
    {
        var response = await AuthorizeAsync(parameters);
        var html = await response.Content.ReadAsStringAsync();
        return new SignInPage(response, html, new HtmlParser().ParseDocument(html));
    }

    /// <summary>Submits the page's form as the person's button would: its hidden fields plus person=value, to its action.</summary>
    public Task<HttpResponseMessage> PickAsync(SignInPage page, string person, Action<Dictionary<string, string>>? tamper = null)
    {
        var button = page.PersonButtons.Single(b => b.Value == person);
        var fields = page.Form.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>().ToDictionary(i => i.Name!, i => i.Value);
        fields[button.Name!] = button.Value;
        tamper?.Invoke(fields);
        var action = new Uri(page.Response.RequestMessage!.RequestUri!, page.Form.GetAttribute("action"));
        Assert.Equal("post", page.Form.Method, ignoreCase: true);
        return http.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    /// <summary>The query of a redirect the provider answered with (302).</summary>
    public static Dictionary<string, string> RedirectQuery(HttpResponseMessage response, string expectedRedirectUri)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(expectedRedirectUri + "?", location.ToString(), StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    public Task<HttpResponseMessage> ExchangeAsync(string code, string verifier, string redirectUri = "http://127.0.0.1:51234/callback", string clientId = Cli, params (string Name, string Value)[] extra)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier,
        };
        foreach (var (name, value) in extra)
        {
            form[name] = value;
        }

        return http.PostAsync("signin/token", new FormUrlEncodedContent(form));
    }

    /// <summary>A code for <paramref name="person"/>, through the page, and the request it answers.</summary>
    public async Task<(string Code, Dictionary<string, string?> Request, PkcePair Pkce)> CodeAsync(string person, string scope = DefaultScope)
    {
        var pkce = PkcePair.Create();
        var request = Request(pkce, scope: scope);
        using var picked = await PickAsync(await PageAsync(request), person);
        var query = RedirectQuery(picked, request["redirect_uri"]!);
        Assert.Equal(request["state"], query["state"]);
        return (query["code"], request, pkce);
    }

    /// <summary>The whole flow; the token response must be 200.</summary>
    public async Task<JsonElement> SignInAsync(string person, string scope = DefaultScope)
    {
        var (code, request, pkce) = await CodeAsync(person, scope);
        using var response = await ExchangeAsync(code, pkce.Verifier, request["redirect_uri"]!);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    public void Dispose() => http.Dispose();
}

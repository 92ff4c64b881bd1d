using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Cli.SignIn;

/// <summary>The sign-in did not work; the message says why and what to do.</summary>
internal sealed class SignInException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Signs in to the DevServices dev provider as a named person through the real authorization-code flow with PKCE: the
/// CLI plays the browser — reads the provider's pick-a-person page, submits its form for that person, takes the code
/// from the redirect (a loopback URI nothing listens on; the code is read from the Location header) and redeems it.
/// For local use only: the dev provider asks no password.
/// </summary>
internal static partial class DevSignIn
{
    private const string RedirectUri = "http://127.0.0.1/agentops-cli/signed-in";

    public static async Task<(string AccessToken, DateTimeOffset ExpiresOn)> SignInAsync(SignInSettings settings, string person, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { Timeout = TimeSpan.FromSeconds(30) };
        var metadata = await GetJsonAsync(http, new Uri(settings.Authority.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration"), cancellationToken);
        var authorize = new Uri(Text(metadata, "authorization_endpoint"));
        var tokenEndpoint = new Uri(Text(metadata, "token_endpoint"));

        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        var query = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = settings.ClientId,
            ["redirect_uri"] = RedirectUri,
            ["scope"] = $"openid profile {settings.Scope}",
            ["state"] = state,
            ["nonce"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["login_hint"] = person,
        };
        using var page = await SendAsync(http, new HttpRequestMessage(HttpMethod.Get, $"{authorize}?{Form(query)}"), cancellationToken);
        var html = await page.Content.ReadAsStringAsync(cancellationToken);
        if (page.StatusCode != HttpStatusCode.OK)
        {
            throw new SignInException($"the sign-in page answered {(int)page.StatusCode}: {Strip(html)}");
        }

        var fields = HiddenInput().Matches(html).ToDictionary(m => Decode(m.Groups["name"].Value), m => Decode(m.Groups["value"].Value), StringComparer.Ordinal);
        var people = PersonButton().Matches(html).Select(m => Decode(m.Groups["value"].Value)).ToList();
        var chosen = people.FirstOrDefault(p => string.Equals(p, person, StringComparison.OrdinalIgnoreCase))
            ?? (people.Where(p => p.StartsWith(person + "@", StringComparison.OrdinalIgnoreCase)).ToList() is [var single] ? single : null)
            ?? throw new SignInException($"the dev directory has no person '{person}'; it has: {string.Join(", ", people)}");
        fields["person"] = chosen;
        var action = FormAction().Match(html) is { Success: true } found ? new Uri(authorize, Decode(found.Groups["action"].Value)) : authorize;

        using var picked = await SendAsync(http, new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) }, cancellationToken);
        var location = picked.Headers.Location;
        if (picked.StatusCode is not (HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.Redirect) || location is null)
        {
            throw new SignInException($"the sign-in provider answered {(int)picked.StatusCode} instead of redirecting: {Strip(await picked.Content.ReadAsStringAsync(cancellationToken))}");
        }

        var answer = ParseQuery(location.IsAbsoluteUri ? location.Query : new Uri(authorize, location).Query);
        if (answer.TryGetValue("error", out var error))
        {
            throw new SignInException($"the sign-in provider refused: {error} {answer.GetValueOrDefault("error_description")}");
        }

        if (answer.GetValueOrDefault("state") != state || !answer.TryGetValue("code", out var code))
        {
            throw new SignInException("the sign-in provider's redirect has no code for this sign-in (state mismatch)");
        }

        var redeem = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
            ["client_id"] = settings.ClientId,
            ["code_verifier"] = verifier,
        };
        using var tokens = await SendAsync(http, new HttpRequestMessage(HttpMethod.Post, tokenEndpoint) { Content = new FormUrlEncodedContent(redeem) }, cancellationToken);
        var body = await ReadJsonAsync(tokens, cancellationToken);
        if (!tokens.IsSuccessStatusCode)
        {
            throw new SignInException($"the token endpoint refused: {Optional(body, "error")} {Optional(body, "error_description")}".TrimEnd());
        }

        var accessToken = Text(body, "access_token");
        var lifetime = body.TryGetProperty("expires_in", out var seconds) && seconds.TryGetInt32(out var s) ? s : 3600;
        return (accessToken, DateTimeOffset.UtcNow.AddSeconds(lifetime));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                return await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new SignInException($"cannot reach the sign-in provider at {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {ex.InnerException?.Message ?? ex.Message}", ex);
            }
        }
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(http, new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new SignInException($"no OpenID metadata at {url} ({(int)response.StatusCode})");
        }

        return await ReadJsonAsync(response, cancellationToken);
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new SignInException($"the sign-in provider's answer is not JSON ({(int)response.StatusCode})", ex);
        }
    }

    private static string Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } text
            ? text
            : throw new SignInException($"the sign-in provider's answer has no '{name}'");

    private static string Optional(JsonElement json, string name) => json.TryGetProperty(name, out var value) ? value.GetString() ?? string.Empty : string.Empty;

    private static string Form(Dictionary<string, string> values) =>
        string.Join("&", values.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    private static Dictionary<string, string> ParseQuery(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .GroupBy(p => Uri.UnescapeDataString(p[0]), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Uri.UnescapeDataString(g.First().ElementAtOrDefault(1) ?? string.Empty).Replace('+', ' '), StringComparer.Ordinal);

    private static string Decode(string html) => WebUtility.HtmlDecode(html);

    private static string Strip(string html)
    {
        var text = Tags().Replace(html, " ");
        text = string.Join(' ', WebUtility.HtmlDecode(text).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 200 ? text : text[..200] + "…";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*name="(?<name>[^"]*)"[^>]*value="(?<value>[^"]*)"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInput();

    [GeneratedRegex("""<button[^>]*name="person"[^>]*value="(?<value>[^"]*)"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex PersonButton();

    [GeneratedRegex("""<form[^>]*action="(?<action>[^"]*)"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex FormAction();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}

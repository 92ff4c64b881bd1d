using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>The dev sign-in provider, driven as a browser and a public client drive it: page, form, redirect, code exchange.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class SignInTests(DevServicesFixture services) : IDisposable
{
    private const string Api = "api://durableagentops";
    private const string Bob = "bob.manager@contoso.example";

    private readonly SignInClient client = new(services.Host.BaseUrl);

    private string Authority => services.Host.BaseUrl + "signin";

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task Discovery_Metadata_NamesIssuerEndpointsAndWhatTheProviderSupports()
    {
        var metadata = await services.Http.GetFromJsonAsync<JsonElement>("/signin/.well-known/openid-configuration");

        Assert.Equal(Authority, metadata.GetProperty("issuer").GetString());
        Assert.Equal(Authority + "/authorize", metadata.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(Authority + "/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal(Authority + "/keys", metadata.GetProperty("jwks_uri").GetString());
        Assert.Equal(Authority + "/logout", metadata.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(["code"], Strings(metadata, "response_types_supported"));
        Assert.Equal(["authorization_code", "urn:ietf:params:oauth:grant-type:jwt-bearer", "refresh_token"], Strings(metadata, "grant_types_supported"));
        Assert.Equal(["S256"], Strings(metadata, "code_challenge_methods_supported"));
        Assert.Equal(["public"], Strings(metadata, "subject_types_supported"));
        Assert.Equal(["RS256"], Strings(metadata, "id_token_signing_alg_values_supported"));
        Assert.Equal(["none", "private_key_jwt"], Strings(metadata, "token_endpoint_auth_methods_supported"));
        Assert.Contains("openid", Strings(metadata, "scopes_supported"));
        Assert.Superset(new HashSet<string> { "oid", "tid", "roles", "groups", "scp", "azp", "nonce" }, Strings(metadata, "claims_supported").ToHashSet());
    }

    [Fact]
    public async Task Authorize_ValidRequest_PageListsEveryPersonWithRolesAndGroupsAndIsLockedDown()
    {
        var page = await client.PageAsync(SignInClient.Request(PkcePair.Create()));

        Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        Assert.Equal("DurableAgentOps dev sign-in", page.Document.Title);
        Assert.Equal(18, page.PersonButtons.Count);
        var bob = page.PersonButtons.Single(b => b.Value == Bob);
        Assert.Contains("Bob Manager", bob.TextContent, StringComparison.Ordinal);
        Assert.Contains("roles: AgentOps.Reader", bob.TextContent, StringComparison.Ordinal);
        Assert.Contains("groups: emea-sales-managers", bob.TextContent, StringComparison.Ordinal);
        var mallory = page.PersonButtons.Single(b => b.Value == "mallory@contoso.example");
        Assert.Contains("roles: none", mallory.TextContent, StringComparison.Ordinal);

        // The look-alike is its own button, marked, and only the HTML-encoded form of its name is in the markup.
        var lookAlike = page.PersonButtons.Single(b => b.Value == "\u0430na.silva@contoso.example");
        Assert.Contains("U+0430", lookAlike.TextContent, StringComparison.Ordinal);
        Assert.Contains("&#x430;na.silva@contoso.example", page.Html, StringComparison.Ordinal);

        var headers = page.Response.Headers;
        Assert.True(headers.CacheControl?.NoStore, "Cache-Control: no-store");
        Assert.Equal("DENY", headers.GetValues("X-Frame-Options").Single());
        var csp = headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("form-action 'self' http://127.0.0.1:51234", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_StateWithMarkup_IsEncodedInThePageAndReturnedIntact()
    {
        const string state = "\"><script>alert('x')</script><b>&amp;";
        var request = SignInClient.Request(PkcePair.Create());
        request["state"] = state;

        var page = await client.PageAsync(request);
        using var picked = await client.PickAsync(page, Bob);

        Assert.DoesNotContain("<script>", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>&amp;", page.Html, StringComparison.Ordinal);
        Assert.Empty(page.Document.QuerySelectorAll("script"));
        Assert.Equal(state, page.Hidden("state"));
        Assert.Equal(state, SignInClient.RedirectQuery(picked, request["redirect_uri"]!)["state"]);
    }

    [Fact]
    public async Task Authorize_LoginHint_HighlightsThatPersonOnly()
    {
        var request = SignInClient.Request(PkcePair.Create());
        request["login_hint"] = "ANA.SILVA@contoso.example";

        var page = await client.PageAsync(request);

        var hinted = Assert.Single(page.PersonButtons, b => b.ClassList.Contains("hint"));
        Assert.Equal("ana.silva@contoso.example", hinted.Value);
        Assert.True(hinted.Autofocus);
    }

    [Fact]
    public async Task SignIn_CodeFlowWithPkce_TokensValidateByTheMetadataAndCarryTheDirectoryClaims()
    {
        var pkce = PkcePair.Create();
        var request = SignInClient.Request(pkce);

        var page = await client.PageAsync(request);
        using var picked = await client.PickAsync(page, Bob);
        var query = SignInClient.RedirectQuery(picked, request["redirect_uri"]!);
        Assert.Equal(request["state"], query["state"]);
        Assert.Equal(43, query["code"].Length);
        using var exchange = await client.ExchangeAsync(query["code"], pkce.Verifier);
        var tokens = await exchange.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, exchange.StatusCode);
        Assert.True(exchange.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal(3600, tokens.GetProperty("expires_in").GetInt32());
        Assert.Equal(SignInClient.DefaultScope, tokens.GetProperty("scope").GetString());

        var metadata = await IssuerKeys.DiscoverAsync(services.Http, Authority);
        var access = await IssuerKeys.ValidateAsync(tokens.GetProperty("access_token").GetString()!, metadata, Api);
        Assert.True(access.IsValid, access.Exception?.Message);
        var token = (JsonWebToken)access.SecurityToken;
        Assert.Equal("JWT", token.Typ);
        Assert.Equal(metadata.SigningKeys.Single().KeyId, token.Kid);
        Assert.Equal("0e000001-0000-4000-8000-000000000002", token.GetPayloadValue<string>("oid"));
        Assert.Equal(token.GetPayloadValue<string>("oid"), token.Subject);
        Assert.Equal("7d3e5c1a-0000-4000-8000-0000000000d0", token.GetPayloadValue<string>("tid"));
        Assert.Equal("Bob Manager", token.GetPayloadValue<string>("name"));
        Assert.Equal(Bob, token.GetPayloadValue<string>("preferred_username"));
        Assert.Equal(Bob, token.GetPayloadValue<string>("email"));
        Assert.Equal(SignInClient.Cli, token.GetPayloadValue<string>("azp"));
        Assert.Equal("Runs.Access", token.GetPayloadValue<string>("scp"));
        Assert.Equal("2.0", token.GetPayloadValue<string>("ver"));
        Assert.False(string.IsNullOrEmpty(token.Id));
        var payload = Payload(token);
        Assert.Equal(["AgentOps.Reader"], Strings(payload, "roles"));
        Assert.Equal([CatalogueGroupId("emea-sales-managers")], Strings(payload, "groups"));
        Assert.Equal(TimeSpan.FromHours(1), token.ValidTo - token.IssuedAt);

        var id = await IssuerKeys.ValidateAsync(tokens.GetProperty("id_token").GetString()!, metadata, SignInClient.Cli);
        Assert.True(id.IsValid, id.Exception?.Message);
        var idToken = (JsonWebToken)id.SecurityToken;
        Assert.Equal(request["nonce"], idToken.GetPayloadValue<string>("nonce"));
        Assert.Equal("0e000001-0000-4000-8000-000000000002", idToken.GetPayloadValue<string>("oid"));
        Assert.Equal(Bob, idToken.GetPayloadValue<string>("preferred_username"));
        Assert.InRange(idToken.GetPayloadValue<long>("auth_time"), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal(["AgentOps.Reader"], Strings(Payload(idToken), "roles"));
        Assert.False(Payload(idToken).TryGetProperty("groups", out _));
    }

    [Fact]
    public async Task SignIn_PersonWithTwoGroupsAndPersonWithNone_GroupsAndRolesFollowTheDirectory()
    {
        var ana = new JsonWebToken((await client.SignInAsync("ana.silva@contoso.example")).GetProperty("access_token").GetString()!);
        var mallory = new JsonWebToken((await client.SignInAsync("mallory@contoso.example")).GetProperty("access_token").GetString()!);

        Assert.Equal([CatalogueGroupId("emea-sales"), CatalogueGroupId("emea-sales-managers")], Strings(Payload(ana), "groups"));
        Assert.Equal(["AgentOps.Starter"], Strings(Payload(ana), "roles"));
        Assert.False(Payload(mallory).TryGetProperty("roles", out _), "a person without roles gets no roles claim");
        Assert.False(Payload(mallory).TryGetProperty("groups", out _), "a person without groups gets no groups claim");
    }

    [Theory]
    [InlineData("openid profile api://durableagentops/.default", Api, null)]
    [InlineData("openid profile api://durableagentops/Runs.Access", Api, "Runs.Access")]
    [InlineData("openid api://durableagentops/Runs.Access api://durableagentops/Runs.Read offline_access", Api, "Runs.Access Runs.Read")]
    [InlineData("openid profile email offline_access", SignInClient.Cli, null)]
    public async Task Token_Scope_SetsAudienceFromTheFirstResourceAndScpFromNamedScopes(string scope, string audience, string? scp)
    {
        var tokens = await client.SignInAsync("alice@contoso.example", scope);

        var token = new JsonWebToken(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal([audience], token.Audiences);
        Assert.Equal(scp, Payload(token).TryGetProperty("scp", out var value) ? value.GetString() : null);
        Assert.Equal(scope, tokens.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Token_WrongVerifier_InvalidGrantAndTheCodeIsSpent()
    {
        var (code, _, pkce) = await client.CodeAsync(Bob);

        using var wrong = await client.ExchangeAsync(code, PkcePair.Create().Verifier);
        using var right = await client.ExchangeAsync(code, pkce.Verifier);

        await AssertTokenErrorAsync(wrong, "invalid_grant", "code_verifier does not match");
        await AssertTokenErrorAsync(right, "invalid_grant", "already used");
    }

    [Fact]
    public async Task Token_CodeUsedTwice_SecondExchangeIsInvalidGrant()
    {
        var (code, _, pkce) = await client.CodeAsync(Bob);

        using var first = await client.ExchangeAsync(code, pkce.Verifier);
        using var second = await client.ExchangeAsync(code, pkce.Verifier);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertTokenErrorAsync(second, "invalid_grant", "unknown, expired or already used");
    }

    [Fact]
    public async Task Token_OtherRedirectUri_InvalidGrant()
    {
        var (code, _, pkce) = await client.CodeAsync(Bob);

        using var response = await client.ExchangeAsync(code, pkce.Verifier, redirectUri: "http://127.0.0.1:51234/other");

        await AssertTokenErrorAsync(response, "invalid_grant", "redirect_uri");
    }

    [Fact]
    public async Task Token_OtherClient_InvalidGrant()
    {
        var (code, _, pkce) = await client.CodeAsync(Bob);

        using var response = await client.ExchangeAsync(code, pkce.Verifier, clientId: "agentops-host");

        await AssertTokenErrorAsync(response, "invalid_grant", "another client");
    }

    [Fact]
    public async Task Token_UnknownCode_InvalidGrant()
    {
        using var response = await client.ExchangeAsync(PkcePair.Create().Verifier, PkcePair.Create().Verifier);

        await AssertTokenErrorAsync(response, "invalid_grant", "unknown");
    }

    [Theory]
    [InlineData("grant_type", "refresh_token", "unsupported_grant_type")]
    [InlineData("grant_type", "client_credentials", "unsupported_grant_type")]
    [InlineData("client_id", "nobody", "invalid_client")]
    [InlineData("client_secret", "s3cret", "invalid_client")]
    [InlineData("code_verifier", "short", "invalid_request")]
    [InlineData("code_verifier", "", "invalid_request")]
    public async Task Token_BadRequest_RefusedWithTheRfc6749Error(string field, string value, string error)
    {
        var (code, _, pkce) = await client.CodeAsync(Bob);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = SignInClient.Cli,
            ["code"] = code,
            ["redirect_uri"] = "http://127.0.0.1:51234/callback",
            ["code_verifier"] = pkce.Verifier,
        };
        if (value.Length == 0)
        {
            form.Remove(field);
        }
        else
        {
            form[field] = value;
        }

        using var response = await client.Http.PostAsync("signin/token", new FormUrlEncodedContent(form));

        await AssertTokenErrorAsync(response, error, string.Empty);
    }

    [Fact]
    public async Task Token_JsonBody_InvalidRequest()
    {
        using var response = await client.Http.PostAsJsonAsync("signin/token", new { grant_type = "authorization_code" });

        await AssertTokenErrorAsync(response, "invalid_request", "application/x-www-form-urlencoded");
    }

    [Theory]
    [InlineData("client_id", "nobody", "client_id 'nobody' is not a client")]
    [InlineData("client_id", null, "client_id is required")]
    [InlineData("redirect_uri", "https://evil.example/callback", "is not allowed for client")]
    [InlineData("redirect_uri", "http://127.0.0.1.evil.example/callback", "is not allowed for client")]
    [InlineData("redirect_uri", "http://localhost.evil.example:8080/callback", "is not allowed for client")]
    [InlineData("redirect_uri", "https://127.0.0.1:51234/callback", "is not allowed for client")]
    [InlineData("redirect_uri", "http://127.0.0.1:51234/callback#fragment", "is not allowed for client")]
    [InlineData("redirect_uri", "http://someone@127.0.0.1:51234/callback", "is not allowed for client")]
    [InlineData("redirect_uri", "http://127.0.0.1:51234/callback\n", "is not allowed for client")]
    [InlineData("redirect_uri", "http://127.0.0.1:51234/caf\u00e9", "is not allowed for client")]
    [InlineData("redirect_uri", null, "redirect_uri is required")]
    public async Task Authorize_UnknownClientOrRedirectNotAllowed_Shows400PageAndNeverRedirects(string field, string? value, string problem)
    {
        var request = SignInClient.Request(PkcePair.Create());
        request[field] = value;

        var page = await client.PageAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
        Assert.Null(page.Response.Headers.Location);
        Assert.Contains(problem, page.Document.QuerySelector(".problem")!.TextContent, StringComparison.Ordinal);
        Assert.True(page.Response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        Assert.Contains("frame-ancestors 'none'", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:1234/any/path")]
    [InlineData("http://127.0.0.1:65000/")]
    [InlineData("http://127.0.0.1/callback?from=cli")]
    public async Task Authorize_AnyLoopbackRedirect_IsAllowedForEveryClient(string redirectUri)
    {
        foreach (var clientId in new[] { "agentops-cli", "agentops-host" })
        {
            var request = SignInClient.Request(PkcePair.Create(), redirectUri, clientId: clientId);
            var page = await client.PageAsync(request);
            using var picked = await client.PickAsync(page, Bob);

            Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
            var location = picked.Headers.Location!.ToString();
            Assert.StartsWith(redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&code=" : "?code="), location, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("code_challenge", null, "invalid_request", "code_challenge is required")]
    [InlineData("code_challenge_method", null, "invalid_request", "code_challenge_method must be S256")]
    [InlineData("code_challenge_method", "plain", "invalid_request", "code_challenge_method must be S256")]
    [InlineData("code_challenge", "too-short", "invalid_request", "43-character")]
    [InlineData("response_type", "token", "unsupported_response_type", "response_type must be code")]
    [InlineData("response_type", "code id_token", "unsupported_response_type", "response_type must be code")]
    [InlineData("response_type", null, "invalid_request", "response_type is required")]
    [InlineData("response_mode", "form_post", "invalid_request", "response_mode")]
    [InlineData("scope", "profile api://durableagentops/.default", "invalid_scope", "openid")]
    [InlineData("scope", "openid api://durableagentops/.default https://graph.microsoft.com/User.Read", "invalid_scope", "two resources")]
    [InlineData("scope", "openid Runs.Access", "invalid_scope", "names no resource")]
    public async Task Authorize_ProtocolError_RedirectsWithErrorDescriptionAndState(string field, string? value, string error, string description)
    {
        var request = SignInClient.Request(PkcePair.Create());
        request[field] = value;

        using var response = await client.AuthorizeAsync(request);

        var query = SignInClient.RedirectQuery(response, request["redirect_uri"]!);
        Assert.Equal(error, query["error"]);
        Assert.Contains(description, query["error_description"], StringComparison.Ordinal);
        Assert.Equal(request["state"], query["state"]);
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task Pick_FormTamperedAfterThePage_IsCheckedAgain()
    {
        var page = await client.PageAsync(SignInClient.Request(PkcePair.Create()));

        using var evil = await client.PickAsync(page, Bob, f => f["redirect_uri"] = "https://evil.example/callback");
        using var plain = await client.PickAsync(page, Bob, f => f["code_challenge_method"] = "plain");
        using var nobody = await client.PickAsync(page, Bob, f => f["person"] = "eve@contoso.example");

        Assert.Equal(HttpStatusCode.BadRequest, evil.StatusCode);
        Assert.Null(evil.Headers.Location);
        Assert.Equal("invalid_request", SignInClient.RedirectQuery(plain, "http://127.0.0.1:51234/callback")["error"]);
        Assert.Equal("access_denied", SignInClient.RedirectQuery(nobody, "http://127.0.0.1:51234/callback")["error"]);
    }

    [Fact]
    public async Task Keys_PeopleAndWorkloadIssuers_SignWithDifferentKeysAndNeitherTrustsTheOther()
    {
        var people = await IssuerKeys.DiscoverAsync(services.Http, Authority);
        var workload = await IssuerKeys.DiscoverAsync(services.Http, services.Host.BaseUrl.ToString());
        var personToken = (await client.SignInAsync(Bob)).GetProperty("access_token").GetString()!;
        var workloadToken = await services.TokenAsync("crm-reader", "crm");

        // Each token is checked against its own issuer name but the other issuer's keys: only the key can fail.
        var personWithWorkloadKeys = await IssuerKeys.ValidateAsync(personToken, people, Api, p => p.IssuerSigningKeys = workload.SigningKeys);
        var workloadWithPeopleKeys = await IssuerKeys.ValidateAsync(workloadToken, workload, DevServicesFixture.Audience("crm"), p => p.IssuerSigningKeys = people.SigningKeys);

        Assert.NotEqual(people.Issuer, workload.Issuer);
        Assert.NotEqual(people.SigningKeys.Single().KeyId, workload.SigningKeys.Single().KeyId);
        Assert.IsType<SecurityTokenSignatureKeyNotFoundException>(personWithWorkloadKeys.Exception);
        Assert.IsType<SecurityTokenSignatureKeyNotFoundException>(workloadWithPeopleKeys.Exception);
        Assert.True((await IssuerKeys.ValidateAsync(personToken, people, Api)).IsValid);
        Assert.True((await IssuerKeys.ValidateAsync(workloadToken, workload, DevServicesFixture.Audience("crm"))).IsValid);
        Assert.False(people.SigningKeys.Single() is JsonWebKey { HasPrivateKey: true });
    }

    [Fact]
    public async Task Keys_PersonTokenAtASampleSystem_Returns401()
    {
        var personToken = (await client.SignInAsync("olga.ops@contoso.example", "openid api://durableagentops/crm/.default")).GetProperty("access_token").GetString()!;

        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001", personToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:51234/signed-out", true)]
    [InlineData("http://localhost:8080/", true)]
    [InlineData("https://evil.example/", false)]
    [InlineData(null, false)]
    public async Task Logout_PostLogoutRedirect_OnlyLoopbackIsFollowed(string? redirect, bool redirects)
    {
        var uri = redirect is null ? "signin/logout" : $"signin/logout?post_logout_redirect_uri={Uri.EscapeDataString(redirect)}&state=bye";

        using var response = await client.Http.GetAsync(uri);

        if (redirects)
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal(redirect + "?state=bye", response.Headers.Location!.ToString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("You are signed out", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Logs_AfterASignIn_NameThePersonButNoCodeVerifierOrToken()
    {
        var (code, _, pkce) = await client.CodeAsync("ivan.investigator@contoso.example");
        using var exchange = await client.ExchangeAsync(code, pkce.Verifier);
        var tokens = await exchange.Content.ReadFromJsonAsync<JsonElement>();

        var lines = services.Host.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("Sign-in: ivan.investigator@contoso.example (0e000001-0000-4000-8000-000000000016) picked for client agentops-cli", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Token issued to ivan.investigator@contoso.example", StringComparison.Ordinal));

        // The challenge, nonce and state travel in the browser's address bar by design (ASP.NET Core logs request
        // URLs); the code (in the redirect), the verifier and the tokens (in bodies) are the secrets.
        foreach (var secret in new[] { code, pkce.Verifier, Signature(tokens, "access_token"), Signature(tokens, "id_token") })
        {
            var leak = lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a log line holds a code, verifier or token: {leak}");
        }
    }

    private static string CatalogueGroupId(string name) =>
        WorkflowLoader.LoadCatalogue(TestPaths.Catalogue).Catalogue.FindGroup(name)!.ObjectIds["local"];

    private static string Signature(JsonElement tokens, string name) => tokens.GetProperty(name).GetString()!.Split('.')[2];

    private static async Task AssertTokenErrorAsync(HttpResponseMessage response, string error, string description)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(body.TryGetProperty("access_token", out _));
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Contains(description, body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
    }

    private static JsonElement Payload(JsonWebToken token) => JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload)).RootElement;

    private static string[] Strings(JsonElement element, string name) => [.. element.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];
}

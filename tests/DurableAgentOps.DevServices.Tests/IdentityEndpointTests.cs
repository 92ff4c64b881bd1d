using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Tests;

[Collection(DevServicesCollection.Name)]
public sealed class IdentityEndpointTests(DevServicesFixture services)
{
    [Fact]
    public async Task GetToken_WriterIdentity_TokenCarriesCatalogueGrantForTheSystem()
    {
        var token = new JsonWebToken(await services.TokenAsync("crm-writer", "crm"));

        var clientId = services.ClientId("crm-writer");
        Assert.Equal("RS256", token.Alg);
        Assert.Equal(services.Host.BaseUrl.ToString(), token.Issuer);
        Assert.Equal([DevServicesFixture.Audience("crm")], token.Audiences);
        Assert.Equal(clientId, token.Subject);
        Assert.Equal(clientId, token.GetPayloadValue<string>("appid"));
        Assert.Equal("crm-writer", token.GetPayloadValue<string>("idn"));
        var payload = Payload(token);
        Assert.Equal(["tasks.create", "notes.create"], Strings(payload.GetProperty("roles")));
        Assert.Equal(["emea"], Strings(payload.GetProperty("xms_records").GetProperty("region")));
        Assert.Equal(["subject", "body", "dueDate", "ownerId"], Strings(payload.GetProperty("xms_fields")));
        Assert.Equal(TimeSpan.FromHours(1), token.ValidTo - token.IssuedAt);
        Assert.Equal(token.IssuedAt, token.ValidFrom);
    }

    [Fact]
    public async Task GetToken_SignedToken_VerifiesWithThePublishedJwksAndDiscovery()
    {
        var token = await services.TokenAsync("crm-reader", "crm");

        var discovery = await services.Http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var issuer = discovery.GetProperty("issuer").GetString();
        var jwks = new JsonWebKeySet(await services.Http.GetStringAsync(new Uri(discovery.GetProperty("jwks_uri").GetString()!)));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = DevServicesFixture.Audience("crm"),
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });

        Assert.True(result.IsValid, result.Exception?.GetType().Name);
        var key = Assert.Single(jwks.Keys);
        Assert.Equal(key.Kid, new JsonWebToken(token).Kid);
        Assert.Equal("RSA", key.Kty);
        Assert.False(key.HasPrivateKey);
    }

    [Fact]
    public async Task GetToken_IdentityWithoutGrantOnSystem_TokenHasEmptyRolesAndNoScopeClaims()
    {
        var router = Payload(new JsonWebToken(await services.TokenAsync("router", "crm")));
        var drafter = Payload(new JsonWebToken(await services.TokenAsync("drafter", "model")));

        Assert.Empty(Strings(router.GetProperty("roles")));
        Assert.False(router.TryGetProperty("xms_records", out _));
        Assert.False(router.TryGetProperty("xms_fields", out _));
        Assert.Equal(["completions.create"], Strings(drafter.GetProperty("roles")));
    }

    [Fact]
    public async Task GetToken_SecondCredentialForSameClientId_MakesNoSecondRequest()
    {
        // A pair no other test asks for, so the count is this test's own.
        var clientId = services.ClientId("router");

        var first = await services.TokenAsync("router", "support");
        var second = await services.TokenAsync("router", "support");

        Assert.True(first == second, "the second credential got a different token");
        Assert.Equal(1, await services.TokenRequestsAsync(clientId, "support"));
    }

    [Fact]
    public async Task GetToken_UnknownClientId_CredentialThrowsAndNoTokenIsIssued()
    {
        const string unknown = "0badc0de-0000-4000-8000-000000000099";
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(unknown));

        var error = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() =>
            credential.GetTokenAsync(new TokenRequestContext([DevServicesFixture.Audience("crm") + "/.default"]), CancellationToken.None).AsTask());

        Assert.Contains("Identity not found", error.Message, StringComparison.Ordinal);
        var rows = await services.Http.GetFromJsonAsync<JsonElement>("/_dev/token-requests");
        var row = Assert.Single(rows.EnumerateArray(), r => r.GetProperty("clientId").GetString() == unknown);
        Assert.Equal(0, row.GetProperty("issued").GetInt32());
    }

    [Fact]
    public async Task TokenEndpoint_UnknownClientId_Returns400NamingTheIdentity()
    {
        using var response = await RequestTokenAsync(services.IdentityHeader, "resource=api://durableagentops/crm&client_id=nobody");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        Assert.Equal("Identity not found: nobody", body.GetProperty("error_description").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("not-the-secret-value", "does not match")]
    public async Task TokenEndpoint_MissingOrWrongHeader_Returns401AndNoToken(string? header, string reason)
    {
        var clientId = services.ClientId("finance-reader");

        using var response = await RequestTokenAsync(header, $"resource=api://durableagentops/model&client_id={clientId}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(reason, body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.False(body.TryGetProperty("access_token", out _));
        Assert.Equal(0, await services.TokenRequestsAsync(clientId, "model"));
    }

    [Theory]
    [InlineData("api-version=2017-09-01&resource=api://durableagentops/crm", "invalid_request")]
    [InlineData("api-version=2019-08-01&resource=api://durableagentops/hr", "invalid_resource")]
    [InlineData("api-version=2019-08-01&resource=https://vault.azure.net", "invalid_resource")]
    [InlineData("api-version=2019-08-01", "invalid_resource")]
    public async Task TokenEndpoint_BadVersionOrResource_Returns400(string query, string error)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/msi/token?{query}&client_id={services.ClientId("crm-reader")}");
        request.Headers.Add("X-IDENTITY-HEADER", services.IdentityHeader);

        using var response = await services.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task TokenEndpoint_Success_AnswersTheAppServiceResponseShape()
    {
        var clientId = services.ClientId("support-reader");

        using var response = await RequestTokenAsync(services.IdentityHeader, $"resource=api://durableagentops/support&client_id={clientId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.String, body.GetProperty("access_token").ValueKind);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal("api://durableagentops/support", body.GetProperty("resource").GetString());
        Assert.Equal(clientId, body.GetProperty("client_id").GetString());
        var expiresOn = long.Parse(body.GetProperty("expires_on").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiresOn - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3590, 3600);
    }

    [Fact]
    public async Task Logs_AfterTokensAreIssued_HoldSubjectsButNoTokenOrHeader()
    {
        var token = await services.TokenAsync("finance-writer", "finance");

        var lines = services.Host.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("Token issued: subject " + services.ClientId("finance-writer"), StringComparison.Ordinal));
        Assert.False(lines.Any(l => l.Contains(token, StringComparison.Ordinal)), "a log line holds an access token");
        Assert.False(lines.Any(l => l.Contains(token.Split('.')[2], StringComparison.Ordinal)), "a log line holds a token signature");
        Assert.False(lines.Any(l => l.Contains(services.IdentityHeader, StringComparison.Ordinal)), "a log line holds the identity header");
    }

    private Task<HttpResponseMessage> RequestTokenAsync(string? header, string query)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/msi/token?api-version=2019-08-01&{query}");
        if (header is not null)
        {
            request.Headers.Add("X-IDENTITY-HEADER", header);
        }

        return services.Http.SendAsync(request);
    }

    private static JsonElement Payload(JsonWebToken token) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload)).RootElement;

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}

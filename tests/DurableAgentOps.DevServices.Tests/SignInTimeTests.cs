using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>Time in the sign-in provider: codes live 60 s by the injected clock; the dev route mints expired or foreign tokens.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class SignInTimeTests(DevServicesFixture services)
{
    private const string Bob = "bob.manager@contoso.example";

    private string Authority => services.Host.BaseUrl + "signin";

    [Fact]
    public async Task Token_CodeOlderThanSixtySeconds_InvalidGrant()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await DevServicesHost.StartAsync(
            new Dictionary<string, string?> { ["AzureWebJobsStorage"] = services.Tables.ConnectionString },
            s => s.AddSingleton<TimeProvider>(clock));
        using var client = new SignInClient(host.BaseUrl);
        var (inTime, _, inTimePkce) = await client.CodeAsync(Bob);
        var (late, _, latePkce) = await client.CodeAsync(Bob);

        clock.Advance(TimeSpan.FromSeconds(59));
        using var inTimeExchange = await client.ExchangeAsync(inTime, inTimePkce.Verifier);
        clock.Advance(TimeSpan.FromSeconds(2));
        using var lateExchange = await client.ExchangeAsync(late, latePkce.Verifier);

        Assert.Equal(HttpStatusCode.OK, inTimeExchange.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, lateExchange.StatusCode);
        var error = await lateExchange.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        Assert.Contains("expired", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevTokens_IssuedInThePast_SignedByTheProviderButExpired()
    {
        using var response = await services.Http.PostAsJsonAsync("/_dev/signin/tokens", new { person = "alice@contoso.example", lifetimeSeconds = 600, issuedSecondsAgo = 3600 });
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        var metadata = await IssuerKeys.DiscoverAsync(services.Http, Authority);
        var strict = await IssuerKeys.ValidateAsync(token, metadata, "api://durableagentops");
        var ignoringLifetime = await IssuerKeys.ValidateAsync(token, metadata, "api://durableagentops", p => p.ValidateLifetime = false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.IsType<SecurityTokenExpiredException>(strict.Exception);
        Assert.True(ignoringLifetime.IsValid, ignoringLifetime.Exception?.Message);
        var jwt = (JsonWebToken)ignoringLifetime.SecurityToken;
        Assert.Equal(TimeSpan.FromSeconds(600), jwt.ValidTo - jwt.IssuedAt);
        Assert.InRange(jwt.ValidTo, DateTime.UtcNow.AddMinutes(-51), DateTime.UtcNow.AddMinutes(-49));
        Assert.Equal("0e000001-0000-4000-8000-000000000001", jwt.GetPayloadValue<string>("oid"));
        Assert.Equal("agentops-cli", jwt.GetPayloadValue<string>("azp"));
    }

    [Fact]
    public async Task DevTokens_AudienceAndScope_AreTheTokensAudienceAndScp()
    {
        using var other = await services.Http.PostAsJsonAsync("/_dev/signin/tokens", new { person = "olga.ops@contoso.example", audience = "api://another-api" });
        using var scoped = await services.Http.PostAsJsonAsync("/_dev/signin/tokens", new { person = "0e000001-0000-4000-8000-000000000015", scope = "api://durableagentops/Runs.Access", clientId = "agentops-host" });

        var otherToken = new JsonWebToken((await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!);
        var scopedToken = new JsonWebToken((await scoped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!);
        Assert.Equal(["api://another-api"], otherToken.Audiences);
        Assert.False(otherToken.TryGetPayloadValue<string>("scp", out _));
        Assert.Equal(["api://durableagentops"], scopedToken.Audiences);
        Assert.Equal("Runs.Access", scopedToken.GetPayloadValue<string>("scp"));
        Assert.Equal("agentops-host", scopedToken.GetPayloadValue<string>("azp"));
        Assert.Equal("olga.ops@contoso.example", scopedToken.GetPayloadValue<string>("preferred_username"));
        var metadata = await IssuerKeys.DiscoverAsync(services.Http, Authority);
        Assert.True((await IssuerKeys.ValidateAsync(otherToken.EncodedToken, metadata, "api://another-api")).IsValid);
    }

    [Theory]
    [InlineData("{}", "person")]
    [InlineData("""{"person":"eve@contoso.example"}""", "not in the dev directory")]
    [InlineData("""{"person":"alice@contoso.example","lifetimeSeconds":0}""", "lifetimeSeconds")]
    [InlineData("""{"person":"alice@contoso.example","clientId":"nobody"}""", "clientId")]
    [InlineData("""{"person":"alice@contoso.example","scope":"Runs.Access"}""", "names no resource")]
    public async Task DevTokens_BadRequest_Returns400WithTheReason(string body, string reason)
    {
        using var response = await services.Http.PostAsync("/_dev/signin/tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        Assert.Contains(reason, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(error.TryGetProperty("access_token", out _));
    }
}

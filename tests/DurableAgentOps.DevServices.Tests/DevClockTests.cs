using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.Tests.Infrastructure;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>POST /_dev/clock moves everything DevServices issues and validates: a long gate without waiting for it.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class DevClockTests(DevServicesFixture fixture)
{
    [Fact]
    public async Task AdvanceTwoDays_DelegatedTokenExpired_RefreshTokenStillGetsAFreshOne()
    {
        // Its own host: moving the clock of the shared one would expire every other test's tokens.
        await using var host = await DevServicesHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = fixture.Tables.ConnectionString,
            ["DevServices:TablePrefix"] = "clock" + Guid.NewGuid().ToString("N")[..8],
        });
        using var http = new HttpClient { BaseAddress = host.BaseUrl };
        var exchange = host.Service<TokenIssuer>();
        string Assertion() => exchange.IssueExchange(DelegationMsalTests.FederatedIdentity).Value;
        using var mint = await http.PostAsJsonAsync("/_dev/signin/tokens", new { person = "alice@contoso.example", audience = "api://durableagentops" });
        var person = (await mint.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        var first = await GrantAsync(http, new()
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["requested_token_use"] = "on_behalf_of",
            ["assertion"] = person,
            ["scope"] = DelegationMsalTests.CallsRead,
            ["client_assertion"] = Assertion(),
        });

        using var advanced = await http.PostAsJsonAsync("/_dev/clock", new { advance = "P2D" });
        Assert.Equal(HttpStatusCode.OK, advanced.StatusCode);
        var clock = await http.GetFromJsonAsync<JsonElement>("/_dev/clock");
        Assert.Equal("P2D", clock.GetProperty("offset").GetString());
        Assert.InRange(clock.GetProperty("now").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddDays(2).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(2).AddMinutes(1));

        using var stale = await GetAsync(http, "/crm/accounts/ACC-000002/calls/latest", first.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Contains("the token expired at", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var fresh = await GrantAsync(http, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = first.GetProperty("refresh_token").GetString()!,
            ["scope"] = DelegationMsalTests.CallsRead,
            ["client_assertion"] = Assertion(),
        });
        using var read = await GetAsync(http, "/crm/accounts/ACC-000002/calls/latest", fresh.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Theory]
    [InlineData("{\"advance\":\"two days\"}", "ISO 8601 duration")]
    [InlineData("{\"advance\":\"-P1D\"}", "positive")]
    [InlineData("[]", "ISO 8601 duration")]
    public async Task Advance_BadDuration_Refused400SayingWhy(string body, string reason)
    {
        using var response = await fixture.Http.PostAsync("/_dev/clock", new StringContent(body, new MediaTypeHeaderValue("application/json")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> GrantAsync(HttpClient http, Dictionary<string, string> form)
    {
        form["client_id"] = DelegationMsalTests.ApiClientId;
        form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
        using var response = await http.PostAsync("/" + DelegationMsalTests.TenantId + "/oauth2/v2.0/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.Identity.Client;
using Microsoft.IdentityModel.JsonWebTokens;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>
/// The on-behalf-of and refresh grants driven by the real MSAL confidential client, as the host drives them: the
/// Entra-shaped https authority, a client assertion from the real ManagedIdentityCredential (federated credential),
/// the long-running on-behalf-of pattern, and revocation making the next refresh fail.
/// </summary>
[Collection(DevServicesCollection.Name)]
public sealed class DelegationMsalTests(DevServicesFixture fixture)
{
    public const string ApiClientId = "6f1c0a10-0000-4000-8000-0000000000a1";
    public const string FederatedIdentity = "6f1c0a10-0000-4000-8000-0000000000a2";
    public const string TenantId = "7d3e5c1a-0000-4000-8000-0000000000d0";
    public const string CallsRead = "api://durableagentops/crm/calls.read";

    [Fact]
    public async Task LongRunningOnBehalfOf_InitiateRefreshRevoke_RefreshFailsAfterRevocation()
    {
        using var trust = new DevCaHttpClientFactory(Path.Combine(fixture.TlsDirectory, "devservices-ca.pem"));
        var app = ConfidentialApp(trust);
        var person = "bob.manager@contoso.example";
        var userToken = await PersonTokenAsync(person);

        string? sessionKey = "run-" + Guid.NewGuid().ToString("N");
        var first = await ((ILongRunningWebApi)app).InitiateLongRunningProcessInWebApi([CallsRead], userToken, ref sessionKey).ExecuteAsync();
        var claims = new JsonWebToken(first.AccessToken);
        Assert.Equal("api://durableagentops/crm", claims.Audiences.Single());
        Assert.Equal("0e000001-0000-4000-8000-000000000002", claims.GetPayloadValue<string>("oid"));
        Assert.Equal(ApiClientId, claims.GetPayloadValue<string>("azp"));
        Assert.Equal(ApiClientId, claims.GetPayloadValue<JsonElement>("act").GetProperty("sub").GetString());
        Assert.Equal("calls.read", claims.GetPayloadValue<string>("scp"));
        Assert.Equal(TenantId, first.TenantId);

        // The token lives 2 minutes (under MSAL's 5-minute window): the next acquisition refreshes.
        var second = await ((ILongRunningWebApi)app).AcquireTokenInLongRunningProcess([CallsRead], sessionKey).ExecuteAsync();
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        var grants = await DelegatedGrantsAsync(person);
        Assert.Equal(["on_behalf_of", "refresh_token"], grants.Select(g => g.GetProperty("grantType").GetString()!).ToArray());

        // The delegated token reads the CRM as the person: their team's account, not another team's.
        using var own = await fixture.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000002/calls/latest", second.AccessToken);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        using var other = await fixture.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001/calls/latest", second.AccessToken);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains($"the CRM does not share account ACC-000001 with {person}", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using (var revoke = await fixture.Http.PostAsync($"/_dev/people/{person}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        var refused = await Assert.ThrowsAnyAsync<MsalServiceException>(() =>
            ((ILongRunningWebApi)app).AcquireTokenInLongRunningProcess([CallsRead], sessionKey).ExecuteAsync());
        Assert.Equal("invalid_grant", refused.ErrorCode);
        Assert.IsType<MsalUiRequiredException>(refused);
        Assert.Contains("the person's sessions were revoked at", refused.Message, StringComparison.Ordinal);

        // Nothing replayable reached a log.
        var lines = string.Join('\n', fixture.Host.Logs.Lines);
        Assert.DoesNotContain(first.AccessToken, lines, StringComparison.Ordinal);
        Assert.DoesNotContain(userToken, lines, StringComparison.Ordinal);
    }

    /// <summary>
    /// The builder calls the host uses: an Entra-shaped authority on the HTTPS listener, no authority validation or
    /// instance discovery, and a client assertion from the managed identity trusted by the app's federated credential.
    /// </summary>
    private IConfidentialClientApplication ConfidentialApp(DevCaHttpClientFactory trust)
    {
        var managedIdentity = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(FederatedIdentity));
        return ConfidentialClientApplicationBuilder.Create(ApiClientId)
            .WithAuthority($"https://localhost:{fixture.TlsPort}/{TenantId}", validateAuthority: false)
            .WithInstanceDiscovery(false)
            .WithClientAssertion(async (AssertionRequestOptions options) =>
                (await managedIdentity.GetTokenAsync(new TokenRequestContext(["api://AzureADTokenExchange/.default"]), options.CancellationToken)).Token)
            .WithHttpClientFactory(trust)
            .Build();
    }

    private async Task<string> PersonTokenAsync(string person)
    {
        using var response = await fixture.Http.PostAsJsonAsync("/_dev/signin/tokens", new { person, audience = "api://durableagentops" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private async Task<List<JsonElement>> DelegatedGrantsAsync(string person)
    {
        var rows = await fixture.Http.GetFromJsonAsync<JsonElement>("/_dev/token-requests");
        return [.. rows.EnumerateArray().Where(r => r.TryGetProperty("kind", out var kind) && kind.GetString() == "delegated" && r.GetProperty("person").GetString() == person)];
    }
}

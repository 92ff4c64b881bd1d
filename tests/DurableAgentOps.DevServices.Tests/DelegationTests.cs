using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>The delegation protocol on the wire: the on-behalf-of and refresh grants, their refusals, revocation, the sample systems.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class DelegationTests(DevServicesFixture fixture)
{
    private const string ApiClientId = DelegationMsalTests.ApiClientId;
    private const string TokenPath = "/" + DelegationMsalTests.TenantId + "/oauth2/v2.0/token";
    private const string Ana = "ana.silva@contoso.example";

    [Fact]
    public async Task OnBehalfOf_ValidRequest_AnswersPersonAsSubjectAppAsActorAndOpaqueRefreshToken()
    {
        var (status, answer) = await OnBehalfOfAsync(await PersonTokenAsync(Ana), "openid profile offline_access api://durableagentops/crm/.default");

        Assert.Equal(HttpStatusCode.OK, status);
        var token = new JsonWebToken(answer.GetProperty("access_token").GetString());
        Assert.Equal("0e000001-0000-4000-8000-000000000003", token.Subject);
        Assert.Equal(ApiClientId, token.GetPayloadValue<string>("appid"));
        Assert.Equal("calls.read notes.create", token.GetPayloadValue<string>("scp"));
        Assert.Equal("2.0", token.GetPayloadValue<string>("ver"));
        Assert.StartsWith("dev-rt.", answer.GetProperty("refresh_token").GetString(), StringComparison.Ordinal);
        Assert.True(answer.TryGetProperty("id_token", out _));
        var clientInfo = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(answer.GetProperty("client_info").GetString()!)).RootElement;
        Assert.Equal("0e000001-0000-4000-8000-000000000003", clientInfo.GetProperty("uid").GetString());
        Assert.Equal(DelegationMsalTests.TenantId, clientInfo.GetProperty("utid").GetString());
        Assert.InRange(answer.GetProperty("expires_in").GetInt64(), 60, 120);
    }

    [Fact]
    public async Task OnBehalfOf_PermissionNotConsented_RefusedInvalidScope()
    {
        var (status, answer) = await OnBehalfOfAsync(await PersonTokenAsync(Ana), "api://durableagentops/crm/accounts.read");

        AssertError(status, answer, "invalid_scope", "permission accounts.read of api://durableagentops/crm is not consented for app agentops-api");
    }

    [Fact]
    public async Task OnBehalfOf_AssertionForAnotherAudience_RefusedInvalidGrant()
    {
        var (status, answer) = await OnBehalfOfAsync(await PersonTokenAsync(Ana, "api://durableagentops/crm"), DelegationMsalTests.CallsRead);

        AssertError(status, answer, "invalid_grant", "the assertion's audience is api://durableagentops/crm, not app agentops-api");
    }

    [Fact]
    public async Task OnBehalfOf_ClientAssertionOfAnotherIdentity_RefusedInvalidClient()
    {
        var crmReader = await fixture.TokenAsync("crm-reader", "crm");
        var (status, answer) = await OnBehalfOfAsync(await PersonTokenAsync(Ana), DelegationMsalTests.CallsRead, crmReader);

        AssertError(status, answer, "invalid_client", "the client assertion's audience is api://durableagentops/crm, not api://AzureADTokenExchange");
    }

    [Fact]
    public async Task OnBehalfOf_UnknownTenant_RefusedInvalidRequest()
    {
        using var response = await fixture.Http.PostAsync("/00000000-0000-4000-8000-000000000000/oauth2/v2.0/token", new FormUrlEncodedContent([]));

        AssertError(response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), "invalid_request", "tenant '00000000-0000-4000-8000-000000000000' is not the dev directory's tenant");
    }

    [Fact]
    public async Task OnBehalfOf_AssertionIssuedBeforeRevocation_RefusedSayingWhen()
    {
        var token = await PersonTokenAsync("dora.director@contoso.example");
        using (var revoke = await fixture.Http.PostAsync("/_dev/people/dora.director@contoso.example/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        var (status, answer) = await OnBehalfOfAsync(token, DelegationMsalTests.CallsRead);

        AssertError(status, answer, "invalid_grant", "the person's sessions were revoked at");
    }

    [Fact]
    public async Task Refresh_TokenUsedTwice_BothAnsweredAsEntraDoes()
    {
        var (_, first) = await OnBehalfOfAsync(await PersonTokenAsync(Ana), DelegationMsalTests.CallsRead);
        var refresh = first.GetProperty("refresh_token").GetString()!;

        var (status, second) = await GrantAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["scope"] = DelegationMsalTests.CallsRead });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotEqual(refresh, second.GetProperty("refresh_token").GetString());
        // A client that lost the first answer (a host killed before it saved its cache) can use the same token again.
        var (again, replay) = await GrantAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["scope"] = DelegationMsalTests.CallsRead });

        Assert.Equal(HttpStatusCode.OK, again);
        Assert.False(string.IsNullOrEmpty(replay.GetProperty("access_token").GetString()));
        Assert.DoesNotContain(fixture.Host.Logs.Lines, l => l.Contains(refresh, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refresh_UnknownToken_RefusedInvalidGrant()
    {
        var (status, answer) = await GrantAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = "dev-rt.not-one-of-ours", ["scope"] = DelegationMsalTests.CallsRead });

        AssertError(status, answer, "invalid_grant", "the refresh token is unknown to this sign-in provider");
    }

    [Fact]
    public async Task GraphRevokeSignInSessions_DirectoryReader_AnswersValueTrueAndRefreshFails()
    {
        var (_, first) = await OnBehalfOfAsync(await PersonTokenAsync("sam.support@contoso.example"), DelegationMsalTests.CallsRead);
        var graph = await new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId("6f1c0a10-0000-4000-8000-0000000000a0"))
            .GetTokenAsync(new TokenRequestContext(["https://graph.microsoft.com/.default"]), CancellationToken.None);

        using var response = await fixture.SendAsync(HttpMethod.Post, "/graph/v1.0/users/sam.support@contoso.example/revokeSignInSessions", graph.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("value").GetBoolean());
        var (status, answer) = await GrantAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = first.GetProperty("refresh_token").GetString()!, ["scope"] = DelegationMsalTests.CallsRead });

        AssertError(status, answer, "invalid_grant", "after the refresh token was issued");
    }

    [Fact]
    public async Task ManagedIdentityEndpoint_DelegatedIdentityClientId_RefusedActsForPeople()
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(ApiClientId));

        var refused = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(async () =>
            await credential.GetTokenAsync(new TokenRequestContext(["api://durableagentops/crm/.default"]), CancellationToken.None));

        Assert.Contains("acts for people: it has no token of its own; it gets tokens through the on-behalf-of flow", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagedIdentityEndpoint_ExchangeAudienceForAnIdentityNoAppTrusts_Refused()
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(fixture.ClientId("crm-reader")));

        var refused = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(async () =>
            await credential.GetTokenAsync(new TokenRequestContext(["api://AzureADTokenExchange/.default"]), CancellationToken.None));

        Assert.Contains("is no delegating app's federatedIdentity", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrmWrite_DelegatedToken_RecordsPersonAsCreatorAndAppAsActor()
    {
        var (_, answer) = await OnBehalfOfAsync(await PersonTokenAsync(Ana), "api://durableagentops/crm/notes.create");
        var token = answer.GetProperty("access_token").GetString();

        using var created = await fixture.SendAsync(HttpMethod.Post, "/crm/accounts/ACC-000004/notes", token, new { subject = "Call summary", body = "as Ana" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var note = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("0e000001-0000-4000-8000-000000000003", note.GetProperty("createdBy").GetString());
        Assert.Equal(ApiClientId, note.GetProperty("actedBy").GetString());

        using var refused = await fixture.SendAsync(HttpMethod.Post, "/crm/accounts/ACC-000002/notes", token, new { subject = "Not mine" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains($"the CRM does not share account ACC-000002 with {Ana}", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var logged = (await fixture.RequestLogAsync("/crm/accounts/ACC-000004/notes")).Last();
        Assert.Equal("0e000001-0000-4000-8000-000000000003", logged.GetProperty("subject").GetString());
        Assert.Equal(ApiClientId, logged.GetProperty("actorClientId").GetString());
        Assert.Equal($"{Ana} via agentops-api", logged.GetProperty("identityName").GetString());

        // The token holds notes.create only: reading calls needs calls.read in scp.
        using var read = await fixture.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000004/calls/latest", token);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
    }

    [Fact]
    public async Task Crm_PersonsOwnToken_RefusedOnlyAnActingAppReachesASystem()
    {
        using var response = await fixture.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000004", await PersonTokenAsync(Ana, "api://durableagentops/crm"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("only a delegating app acting for the person (on-behalf-of) reaches a system", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenRequests_DelegatedGrant_ListedWithoutTokenValues()
    {
        var (_, answer) = await OnBehalfOfAsync(await PersonTokenAsync("lee.lead@contoso.example"), DelegationMsalTests.CallsRead);

        var text = await fixture.Http.GetStringAsync("/_dev/token-requests");
        var row = JsonDocument.Parse(text).RootElement.EnumerateArray().Single(r => r.TryGetProperty("person", out var p) && p.GetString() == "lee.lead@contoso.example");
        Assert.Equal("on_behalf_of", row.GetProperty("grantType").GetString());
        Assert.Equal("0e000001-0000-4000-8000-000000000013", row.GetProperty("personId").GetString());
        Assert.Equal(ApiClientId, row.GetProperty("clientId").GetString());
        Assert.Equal("calls.read", row.GetProperty("scopes")[0].GetString());
        Assert.DoesNotContain(answer.GetProperty("access_token").GetString()!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(answer.GetProperty("refresh_token").GetString()!, text, StringComparison.Ordinal);
    }

    private static void AssertError(HttpStatusCode status, JsonElement answer, string error, string description)
    {
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, answer.GetProperty("error").GetString());
        Assert.Contains(description, answer.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> PersonTokenAsync(string person, string audience = "api://durableagentops")
    {
        using var response = await fixture.Http.PostAsJsonAsync("/_dev/signin/tokens", new { person, audience });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private Task<(HttpStatusCode, JsonElement)> OnBehalfOfAsync(string assertion, string scope, string? clientAssertion = null) =>
        GrantAsync(new()
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["requested_token_use"] = "on_behalf_of",
            ["assertion"] = assertion,
            ["scope"] = scope,
        }, clientAssertion);

    private async Task<(HttpStatusCode, JsonElement)> GrantAsync(Dictionary<string, string> form, string? clientAssertion = null)
    {
        form["client_id"] = ApiClientId;
        form["client_info"] = "1";
        form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
        form["client_assertion"] = clientAssertion ?? (await new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(DelegationMsalTests.FederatedIdentity))
            .GetTokenAsync(new TokenRequestContext(["api://AzureADTokenExchange/.default"]), CancellationToken.None)).Token;
        using var response = await fixture.Http.PostAsync(TokenPath, new FormUrlEncodedContent(form));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>
/// The Graph-shaped directory, called as the host calls Microsoft Graph: a ManagedIdentityCredential for its own
/// client id, scope https://graph.microsoft.com/.default, Graph's routes and JSON.
/// </summary>
[Collection(DevServicesCollection.Name)]
public sealed class GraphDirectoryTests(DevServicesFixture services)
{
    private const string Reader = DevServicesOptions.DefaultDirectoryReaderClientId;
    private const string GraphScope = "https://graph.microsoft.com/.default";
    private const string LookAlike = "\u0430na.silva@contoso.example";

    [Fact]
    public async Task GraphToken_DirectoryReader_GetsGraphAudienceAndDirectoryRoles()
    {
        var token = new JsonWebToken(await ReaderTokenAsync());

        Assert.Equal(["https://graph.microsoft.com"], token.Audiences);
        Assert.Equal(Reader, token.Subject);
        Assert.Equal(services.Host.BaseUrl.ToString(), token.Issuer);
        Assert.Equal(["User.Read.All", "GroupMember.Read.All", "User.RevokeSessions.All"], token.GetPayloadValue<string[]>("roles"));
    }

    [Fact]
    public async Task GraphToken_CatalogueIdentityThatIsNoReader_RefusedNamingTheSetting()
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(services.ClientId("crm-writer")));

        var error = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() => credential.GetTokenAsync(new TokenRequestContext([GraphScope]), CancellationToken.None).AsTask());

        Assert.Contains("DirectoryReaderClientIds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphToken_UnknownClientId_Returns400InvalidResource()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=0badc0de-0000-4000-8000-000000000099");
        request.Headers.Add("X-IDENTITY-HEADER", services.IdentityHeader);

        using var response = await services.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_resource", body.GetProperty("error").GetString());
        Assert.Contains("may not get tokens for https://graph.microsoft.com", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectoryReaderClientIds_Configured_ReplaceTheDefaultReader()
    {
        const string header = "a-test-identity-header-0123456789";
        const string other = "6f1c0a10-0000-4000-8000-0000000000b0";
        await using var host = await DevServicesHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = services.Tables.ConnectionString,
            ["DevServices:IdentityHeader"] = header,
            ["DevServices:DirectoryReaderClientIds:0"] = other,
        });
        using var http = new HttpClient { BaseAddress = host.BaseUrl };

        async Task<HttpResponseMessage> TokenAsync(string clientId)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com&client_id={clientId}");
            request.Headers.Add("X-IDENTITY-HEADER", header);
            return await http.SendAsync(request);
        }

        using var configured = await TokenAsync(other);
        using var formerDefault = await TokenAsync(Reader);
        var token = (await configured.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var user = await services.SendAsync(HttpMethod.Get, "/graph/v1.0/users/alice@contoso.example", token, client: http);

        Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, formerDefault.StatusCode);
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
    }

    [Theory]
    [InlineData("alice@contoso.example")]
    [InlineData("Alice@Contoso.EXAMPLE")]
    [InlineData("0e000001-0000-4000-8000-000000000001")]
    public async Task GetUser_ByUserPrincipalNameOrId_ReturnsTheGraphUser(string key)
    {
        var user = await GetJsonAsync($"/graph/v1.0/users/{Uri.EscapeDataString(key)}", HttpStatusCode.OK);

        Assert.Equal(
            ["id", "displayName", "userPrincipalName", "mail"],
            user.EnumerateObject().Select(p => p.Name));
        Assert.Equal("0e000001-0000-4000-8000-000000000001", user.GetProperty("id").GetString());
        Assert.Equal("Alice Martin", user.GetProperty("displayName").GetString());
        Assert.Equal("alice@contoso.example", user.GetProperty("userPrincipalName").GetString());
        Assert.Equal("alice@contoso.example", user.GetProperty("mail").GetString());
    }

    [Fact]
    public async Task GetUser_CyrillicLookAlike_IsAnotherUserWithNoGroups()
    {
        var real = await GetJsonAsync("/graph/v1.0/users/ana.silva@contoso.example", HttpStatusCode.OK);
        var lookAlike = await GetJsonAsync($"/graph/v1.0/users/{Uri.EscapeDataString(LookAlike)}", HttpStatusCode.OK);
        var lookAlikeGroups = await GetJsonAsync($"/graph/v1.0/users/{Uri.EscapeDataString(LookAlike)}/transitiveMemberOf", HttpStatusCode.OK);

        Assert.Equal("0e000001-0000-4000-8000-000000000003", real.GetProperty("id").GetString());
        Assert.Equal("0e000001-0000-4000-8000-000000000018", lookAlike.GetProperty("id").GetString());
        Assert.Equal(LookAlike, lookAlike.GetProperty("userPrincipalName").GetString());
        Assert.Equal(real.GetProperty("displayName").GetString(), lookAlike.GetProperty("displayName").GetString());
        Assert.Empty(lookAlikeGroups.GetProperty("value").EnumerateArray());
    }

    [Theory]
    [InlineData("eve@contoso.example")]
    [InlineData("alice@contoso.example.evil")]
    [InlineData("0e000001-0000-4000-8000-0000000000ff")]
    public async Task GetUser_Unknown_Returns404GraphError(string key)
    {
        var error = await GetJsonAsync($"/graph/v1.0/users/{Uri.EscapeDataString(key)}", HttpStatusCode.NotFound);

        Assert.Equal("Request_ResourceNotFound", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(key, error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransitiveMembers_CatalogueGroup_ListsItsPeopleAsGraphUsers()
    {
        var members = await GetJsonAsync($"/graph/v1.0/groups/{GroupId("emea-sales")}/transitiveMembers", HttpStatusCode.OK);

        var users = members.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(["alice@contoso.example", "ana.silva@contoso.example"], users.Select(u => u.GetProperty("userPrincipalName").GetString()));
        Assert.All(users, u => Assert.Equal("#microsoft.graph.user", u.GetProperty("@odata.type").GetString()));
        Assert.Equal(["0e000001-0000-4000-8000-000000000001", "0e000001-0000-4000-8000-000000000003"], users.Select(u => u.GetProperty("id").GetString()));
        Assert.Equal("Alice Martin", users[0].GetProperty("displayName").GetString());
        Assert.Equal("alice@contoso.example", users[0].GetProperty("mail").GetString());
    }

    [Fact]
    public async Task TransitiveMembers_UnknownGroup_Returns404()
    {
        var error = await GetJsonAsync("/graph/v1.0/groups/9a000001-0000-4000-8000-0000000000ff/transitiveMembers", HttpStatusCode.NotFound);

        Assert.Equal("Request_ResourceNotFound", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task TransitiveMemberOf_PersonInTwoGroups_ListsBothAsGraphGroups()
    {
        var groups = await GetJsonAsync("/graph/v1.0/users/0e000001-0000-4000-8000-000000000003/transitiveMemberOf", HttpStatusCode.OK);

        var value = groups.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal([GroupId("emea-sales"), GroupId("emea-sales-managers")], value.Select(g => g.GetProperty("id").GetString()));
        Assert.Equal(["emea-sales", "emea-sales-managers"], value.Select(g => g.GetProperty("displayName").GetString()));
        Assert.All(value, g => Assert.Equal("#microsoft.graph.group", g.GetProperty("@odata.type").GetString()));
    }

    [Fact]
    public async Task Graph_NoToken_Returns401InvalidAuthenticationToken()
    {
        using var response = await services.SendAsync(HttpMethod.Get, "/graph/v1.0/users/alice@contoso.example", token: null);

        await AssertGraphErrorAsync(response, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "bearer token is required");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Graph_PersonToken_Returns401BecauseOnlyTheWorkloadIssuerIsTrusted()
    {
        using var mint = await services.Http.PostAsJsonAsync("/_dev/signin/tokens", new { person = "olga.ops@contoso.example", audience = "https://graph.microsoft.com" });
        var personToken = (await mint.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();

        using var response = await services.SendAsync(HttpMethod.Get, "/graph/v1.0/users/alice@contoso.example", personToken);

        await AssertGraphErrorAsync(response, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "issuer");
    }

    [Fact]
    public async Task Graph_SystemAudienceToken_Returns403()
    {
        var crmToken = await services.TokenAsync("crm-reader", "crm");

        using var response = await services.SendAsync(HttpMethod.Get, $"/graph/v1.0/groups/{GroupId("ap-clerks")}/transitiveMembers", crmToken);

        await AssertGraphErrorAsync(response, HttpStatusCode.Forbidden, "Authorization_RequestDenied", "not https://graph.microsoft.com");
    }

    [Fact]
    public async Task Graph_GraphTokenOfAClientThatIsNoReader_Returns403()
    {
        // The identity endpoint refuses such a token (tested above); the route must refuse one all the same.
        var token = services.Host.Service<TokenIssuer>().IssueDirectoryReader(services.ClientId("crm-writer"), "crm-writer").Value;

        using var response = await services.SendAsync(HttpMethod.Get, "/graph/v1.0/users/alice@contoso.example", token);

        await AssertGraphErrorAsync(response, HttpStatusCode.Forbidden, "Authorization_RequestDenied", "is not a directory reader");
    }

    private static string GroupId(string name) => WorkflowLoader.LoadCatalogue(TestPaths.Catalogue).Catalogue.FindGroup(name)!.ObjectIds["local"];

    private static async Task<string> ReaderTokenAsync()
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(Reader));
        return (await credential.GetTokenAsync(new TokenRequestContext([GraphScope]), CancellationToken.None)).Token;
    }

    private async Task<JsonElement> GetJsonAsync(string path, HttpStatusCode expected)
    {
        using var response = await services.SendAsync(HttpMethod.Get, path, await ReaderTokenAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return body;
    }

    private static async Task AssertGraphErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code, string message)
    {
        Assert.Equal(status, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

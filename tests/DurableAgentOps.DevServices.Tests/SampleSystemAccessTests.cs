using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>Each system checks the token itself (401), then role, record scope and writable fields (403).</summary>
[Collection(DevServicesCollection.Name)]
public sealed class SampleSystemAccessTests(DevServicesFixture services)
{
    [Fact]
    public async Task GetAccount_ReaderInScope_ReturnsTheAccount()
    {
        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001", await services.TokenAsync("crm-reader", "crm"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var account = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Fabrikam GmbH", account.GetProperty("name").GetString());
        Assert.Equal("strategic", account.GetProperty("tier").GetString());
        Assert.Equal("emea", account.GetProperty("region").GetString());
        Assert.False(string.IsNullOrEmpty(account.GetProperty("ownerId").GetString()));
    }

    [Fact]
    public async Task GetLatestCall_ReaderInScope_ReturnsTheNewestCallOfTheAccount()
    {
        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000002/calls/latest", await services.TokenAsync("crm-reader", "crm"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("CALL-00000004", call.GetProperty("id").GetString());
        Assert.Equal("ACC-000002", call.GetProperty("accountId").GetString());
    }

    [Fact]
    public async Task GetAccount_NoToken_Returns401InvalidToken()
    {
        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001", token: null);

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "invalid_token", "bearer token is required");
    }

    [Fact]
    public async Task GetAccount_ExpiredToken_Returns401()
    {
        var expired = IssueCrmReaderToken(issuedAt: DateTimeOffset.UtcNow.AddHours(-2), lifetime: TimeSpan.FromHours(1));

        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001", expired);

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "invalid_token", "expired");
    }

    [Theory]
    [InlineData(-10, HttpStatusCode.OK)]
    [InlineData(-45, HttpStatusCode.Unauthorized)]
    public async Task GetAccount_TokenJustExpired_ToleratesThirtySecondsOfClockSkewOnly(int secondsSinceExpiry, HttpStatusCode expected)
    {
        var lifetime = TimeSpan.FromMinutes(5);
        var token = IssueCrmReaderToken(DateTimeOffset.UtcNow - lifetime + TimeSpan.FromSeconds(secondsSinceExpiry), lifetime);

        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001", token);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task GetAccount_TokenForAnotherSystem_Returns401WrongAudience()
    {
        var supportToken = await services.TokenAsync("crm-reader", "support");

        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001", supportToken);

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "invalid_token", "audience is not api://durableagentops/crm");
    }

    [Fact]
    public async Task GetAccount_TokenSignedByAnotherKey_Returns401()
    {
        // Same claims and even the same key id as a real token, signed by a key the issuer never published.
        var real = new JsonWebToken(await services.TokenAsync("crm-reader", "crm"));
        using var rsa = RSA.Create(2048);
        var forged = new JsonWebTokenHandler().CreateToken(Base64UrlEncoder.Decode(real.EncodedPayload),
            new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = real.Kid }, SecurityAlgorithms.RsaSha256));

        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000001", forged);

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "invalid_token", "signature");
    }

    [Fact]
    public async Task CreateTask_ReadIdentity_Returns403RoleRequired()
    {
        using var response = await services.SendAsync(HttpMethod.Post, "/crm/accounts/ACC-000001/tasks", await services.TokenAsync("crm-reader", "crm"),
            new { subject = "Should not exist" }, "role-test");

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "forbidden", "role tasks.create required");
    }

    [Fact]
    public async Task GetAccount_AnotherRegionsAccount_Returns403NamingRecordAndAttribute()
    {
        using var response = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000003", await services.TokenAsync("crm-reader", "crm"));

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "forbidden", "record ACC-000003 has region 'amer', outside the token's region scope [emea]");
    }

    [Fact]
    public async Task CreateTask_AnotherRegionsAccount_Returns403AndWritesNothing()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");

        using var response = await services.SendAsync(HttpMethod.Post, "/crm/accounts/ACC-000005/tasks", writer, new { subject = "Out of region" }, "region-test");

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "forbidden", "record ACC-000005 has region 'apac'");
    }

    [Fact]
    public async Task CreateTask_FieldOutsideXmsFields_Returns403NamingTheField()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");

        using var response = await services.SendAsync(HttpMethod.Post, "/crm/accounts/ACC-000001/tasks", writer,
            new { subject = "Escalate", priority = "high" }, "field-test");

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "forbidden", "field priority is not writable");
    }

    [Fact]
    public async Task GetInvoice_OtherEntity_Returns403NamingTheEntity()
    {
        var reader = await services.TokenAsync("finance-reader", "finance");

        using var inScope = await services.SendAsync(HttpMethod.Get, "/finance/invoices/INV-00000003", reader);
        using var outOfScope = await services.SendAsync(HttpMethod.Get, "/finance/invoices/INV-00000005", reader);

        Assert.Equal(HttpStatusCode.OK, inScope.StatusCode);
        var invoice = await inScope.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("PO-00000003", invoice.GetProperty("poNumber").GetString());
        Assert.Equal(72400.00m, invoice.GetProperty("amount").GetDecimal());
        await AssertRefusedAsync(outOfScope, HttpStatusCode.Forbidden, "forbidden", "record INV-00000005 has entity 'contoso-us'");
    }

    [Fact]
    public async Task AssignTicket_WriterInScope_AssignsAndTicketShowsTheQueue()
    {
        var reader = await services.TokenAsync("support-reader", "support");
        var writer = await services.TokenAsync("support-writer", "support");

        using var queues = await services.SendAsync(HttpMethod.Get, "/support/queues", reader);
        using var assign = await services.SendAsync(HttpMethod.Put, "/support/tickets/TCK-0000002/assignment", writer,
            new { queue = "billing", triageSummary = "Duplicate debit for November; refund one." }, "assign-TCK-0000002");
        using var ticket = await services.SendAsync(HttpMethod.Get, "/support/tickets/TCK-0000002", reader);

        Assert.Contains("billing", (await queues.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(q => q.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        Assert.Equal(services.ClientId("support-writer"), (await assign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignedBy").GetString());
        Assert.Equal("billing", (await ticket.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queue").GetString());
    }

    [Fact]
    public async Task RecordException_WriterInScope_RecordsTheDecision()
    {
        var writer = await services.TokenAsync("finance-writer", "finance");

        using var response = await services.SendAsync(HttpMethod.Put, "/finance/invoices/INV-00000002/exception", writer,
            new { decision = "approved", reason = "Freight surcharge agreed by phone", summary = "Invoice exceeds PO by 1,250.00 EUR" }, "decide-INV-00000002");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decision = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("approved", decision.GetProperty("decision").GetString());
        Assert.Equal(services.ClientId("finance-writer"), decision.GetProperty("decidedBy").GetString());
    }

    [Fact]
    public async Task RequestLog_AfterCallsByTwoIdentities_ShowsEachTokenSubject()
    {
        const string path = "/crm/accounts/ACC-000002/notes";
        var reader = await services.TokenAsync("crm-reader", "crm");
        var writer = await services.TokenAsync("crm-writer", "crm");

        (await services.SendAsync(HttpMethod.Post, path, writer, new { subject = "Call note", body = "Workshop requested" }, "log-test")).Dispose();
        (await services.SendAsync(HttpMethod.Get, path, reader)).Dispose();
        (await services.SendAsync(HttpMethod.Post, path, reader, new { subject = "Not allowed" }, "log-test-2")).Dispose();

        var entries = await services.RequestLogAsync(path);
        Assert.Equal(
            [
                ("POST", "crm.notes.create", services.ClientId("crm-writer"), "crm-writer", 201),
                ("GET", "crm.notes.list", services.ClientId("crm-reader"), "crm-reader", 200),
                ("POST", "crm.notes.create", services.ClientId("crm-reader"), "crm-reader", 403),
            ],
            entries.Select(e => (e.GetProperty("method").GetString(), e.GetProperty("operation").GetString(), e.GetProperty("subject").GetString(),
                e.GetProperty("identityName").GetString(), e.GetProperty("status").GetInt32())));
        Assert.Equal("role notes.create required", entries[2].GetProperty("reason").GetString());
        Assert.All(entries, e => Assert.Equal("crm", e.GetProperty("system").GetString()));
    }

    private string IssueCrmReaderToken(DateTimeOffset issuedAt, TimeSpan lifetime)
    {
        var identity = services.Host.Service<IdentityDirectory>().Identities.Single(i => i.Name == "crm-reader");
        return services.Host.Service<TokenIssuer>().Issue(identity, DevServicesFixture.Audience("crm"), "crm", issuedAt, lifetime).Value;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string error, string reason)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Contains(reason, body.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}

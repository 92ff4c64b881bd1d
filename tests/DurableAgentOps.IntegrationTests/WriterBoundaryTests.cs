using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// isolation: separate-writer with real processes: DevServices assigning identities per app (as Azure attaches them),
/// the main host, and the writer (the same host binary, <c>Host__Role=writer</c>) behind a proxy that keeps every intent
/// the main host hands over, as someone on that path would.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WriterBoundaryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Frank = "frank.payables@contoso.example";
    private const string Pat = "pat.clerk@contoso.example";
    private const string FinanceWriterClientId = "6f1c0a10-0000-4000-8000-000000000006";
    private const string CrmReaderClientId = "6f1c0a10-0000-4000-8000-000000000001";
    private const string ExceptionPath = "/finance/invoices/INV-00000001/exception";

    private DevServicesProcess dev = null!;
    private WriterProcess writer = null!;
    private IntentProxy proxy = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        writer = await WriterProcess.StartAsync(settings, dev);
        proxy = await IntentProxy.StartAsync(new Uri(writer.BaseUrl));
        settings["AgentOps__Writer__Url"] = proxy.BaseUrl.ToString();
        host = await HostProcess.StartHealthyAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await proxy.DisposeAsync();
        await writer.DisposeAsync();
        await dev.DisposeAsync();
    }

    [Fact]
    public async Task SeparateWriterRun_Approved_IsWrittenOnceByTheWriterUnderItsIdentityAndItsIntentCannotBeReused()
    {
        var runId = await GovernedRuns.StartAsync(host, dev, "invoice-exceptions", new { invoiceId = "INV-00000001", purchaseOrderId = "PO-00000001" }, Frank);
        await GovernedRuns.WaitPhaseAsync(host, runId, "awaiting-approval");
        await GovernedRuns.ApproveAsync(host, dev, runId, Pat);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        var write = done.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("stepId").GetString() == "write-exception-decision");
        Assert.StartsWith("writer-", write.GetProperty("worker").GetString(), StringComparison.Ordinal);
        var puts = (await dev.RequestsToAsync("finance", ExceptionPath)).Where(r => r.GetProperty("method").GetString() == "PUT").ToList();
        Assert.Equal(FinanceWriterClientId, Assert.Single(puts).GetProperty("subject").GetString());
        Assert.Equal("finance-writer", puts[0].GetProperty("identityName").GetString());
        var stepRecord = (await GovernedRuns.EvidenceAsync(host, runId))
            .Single(r => r.GetProperty("kind").GetString() == "step" && r.GetProperty("data").GetProperty("stepId").GetString() == "write-exception-decision");
        Assert.Equal(write.GetProperty("worker").GetString(), stepRecord.GetProperty("data").GetProperty("worker").GetString());
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());

        // The intent as it crossed the wire: sent again as it was, it is used; changed in any way, it is not the approved one.
        var handed = Assert.Single(proxy.Intents);
        await AssertRefusedAsync(handed, HttpStatusCode.Conflict, "Used", "was already made");
        await AssertRefusedAsync(Altered(handed, d => d["draft"]!["exception"]!["decision"] = "release"), HttpStatusCode.Forbidden, "Forged", "signature");
        await AssertRefusedAsync(Resigned(handed, RandomNumberGenerator.GetBytes(32), i => { }), HttpStatusCode.Forbidden, "Forged", "signature");

        // Signed with the real key (a main app gone wrong): another change, no approval, or stale, is still refused.
        var key = Convert.FromBase64String(WriterProcess.IntentKey);
        await AssertRefusedAsync(Resigned(handed, key, i => i["data"]!["draft"]!["exception"]!["decision"] = "release"), HttpStatusCode.Forbidden, "NotApproved", "hash to");
        await AssertRefusedAsync(Resigned(handed, key, i => i["decisionIds"] = new JsonArray()), HttpStatusCode.Forbidden, "NotApproved", "names no approval");
        await AssertRefusedAsync(Resigned(handed, key, i => i["issuedAt"] = DateTimeOffset.UtcNow.AddHours(-1).ToString("O")), HttpStatusCode.Forbidden, "Expired", "outside");
        await AssertRefusedAsync(Resigned(handed, key, i => i["stepId"] = "read-invoice"), HttpStatusCode.Forbidden, "NotApproved", "is not a write step");
        await AssertRefusedAsync(Resigned(handed, key, i => i["environment"] = "azure"), HttpStatusCode.Forbidden, "NotApproved", "this writer's is 'local'");
        var approver = done.GetProperty("approvals")[0].GetProperty("approver").GetProperty("id").GetString();
        await AssertRefusedAsync(Resigned(handed, key, i => i["initiatorId"] = approver), HttpStatusCode.Forbidden, "NotApproved", "separation of duties");

        // The same change claimed for a 72,400 EUR invoice: its route goes to controller-approval, where the clerk's approval does not count.
        await AssertRefusedAsync(Resigned(handed, key, i => i["data"]!["invoice"]!["amount"] = 72400), HttpStatusCode.Forbidden, "NotApproved", "controller-approval");

        // The step tried again after the main app lost the answer (a fresh intent for the same change): told the write is made, nothing sent.
        using (var again = await writer.Http.PostAsync("/writer/intents", new StringContent(
            Resigned(handed, key, i => i["issuedAt"] = DateTimeOffset.UtcNow.ToString("O")), Encoding.UTF8, "application/json")))
        {
            var answer = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
            Assert.True(again.StatusCode == HttpStatusCode.OK, answer.ToString());
            Assert.Equal(write.GetProperty("worker").GetString(), answer.GetProperty("worker").GetString());
            Assert.Equal(["finance.exceptions.write"], answer.GetProperty("operations").EnumerateArray().Select(o => o.GetString()));
        }

        Assert.Single(await dev.RequestsToAsync("finance", ExceptionPath), r => r.GetProperty("method").GetString() == "PUT");
    }

    [Fact]
    public async Task IdentityEndpoint_EachAppAsksForTheOthersIdentity_IsRefused()
    {
        // The real credential, with the main app's header: the writer's identity is not the main app's to use. (Only
        // refusals go through it: Azure.Identity caches tokens process-wide, whichever endpoint signed them.)
        using (new IdentityEnvironment(dev, dev.IdentityHeader))
        {
            var refused = await Assert.ThrowsAnyAsync<AuthenticationFailedException>(() =>
                new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(FinanceWriterClientId))
                    .GetTokenAsync(new TokenRequestContext(["api://durableagentops/finance/.default"]), CancellationToken.None).AsTask());
            Assert.Contains("not assigned to the main app", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(dev.IdentityHeader, CrmReaderClientId, "crm"));
        Assert.Equal(HttpStatusCode.BadRequest, await TokenStatusAsync(dev.WriterIdentityHeader, CrmReaderClientId, "crm"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(dev.WriterIdentityHeader, FinanceWriterClientId, "finance"));
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync("not-a-header-of-any-app", FinanceWriterClientId, "finance"));
    }

    private async Task<HttpStatusCode> TokenStatusAsync(string header, string clientId, string system)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/msi/token?api-version=2019-08-01&resource=api://durableagentops/{system}&client_id={clientId}");
        request.Headers.Add("X-IDENTITY-HEADER", header);
        using var response = await dev.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task SeparateWriterRun_HostWithoutAWriter_IsRefusedAtStart()
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        await using var alone = await HostProcess.StartHealthyAsync(settings);
        Assert.False((await alone.GetJsonAsync<JsonElement>("/api/host")).GetProperty("separateWriter").GetBoolean());
        Assert.True((await host.GetJsonAsync<JsonElement>("/api/host")).GetProperty("separateWriter").GetBoolean());

        using var frank = alone.As(await dev.SignInAsync(Frank));
        using var response = await frank.PostAsJsonAsync("/api/workflows/invoice-exceptions/runs", new { input = new { invoiceId = "INV-00000002", purchaseOrderId = "PO-00000002" } });

        var problem = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, problem);
        Assert.Contains("this host has no writer (AgentOps:Writer:Url and IntentKey)", problem, StringComparison.Ordinal);
    }

    private async Task AssertRefusedAsync(string body, HttpStatusCode status, string refusal, string reason)
    {
        using var response = await writer.Http.PostAsync("/writer/intents", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {answer}");
        var problem = JsonDocument.Parse(answer).RootElement;
        Assert.Equal(refusal, problem.GetProperty("refusal").GetString());
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The intent with its data changed and its signature kept.</summary>
    private static string Altered(string body, Action<JsonObject> change)
    {
        var envelope = JsonNode.Parse(body)!.AsObject();
        var intent = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(envelope["intent"]!.GetValue<string>()))!.AsObject();
        change(intent["data"]!.AsObject());
        envelope["intent"] = System.Buffers.Text.Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(intent));
        return envelope.ToJsonString();
    }

    /// <summary>The intent changed by <paramref name="change"/> and signed again with <paramref name="key"/>, as the intent key signs.</summary>
    private static string Resigned(string body, byte[] key, Action<JsonObject> change)
    {
        var envelope = JsonNode.Parse(body)!.AsObject();
        var intent = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(envelope["intent"]!.GetValue<string>()))!.AsObject();
        change(intent);
        var payload = JsonSerializer.SerializeToUtf8Bytes(intent);
        var derived = HMACSHA256.HashData(key, "durableagentops/write-intent/v1"u8);
        return new JsonObject
        {
            ["intent"] = System.Buffers.Text.Base64Url.EncodeToString(payload),
            ["signature"] = System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(derived, payload)),
        }.ToJsonString();
    }

    /// <summary>IDENTITY_ENDPOINT and IDENTITY_HEADER of one app, for this process, put back afterwards.</summary>
    private sealed class IdentityEnvironment : IDisposable
    {
        private readonly string? endpoint = Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT");
        private readonly string? header = Environment.GetEnvironmentVariable("IDENTITY_HEADER");

        public IdentityEnvironment(DevServicesProcess dev, string appHeader)
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", $"{dev.BaseUrl}/msi/token");
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", appHeader);
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", endpoint);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", header);
        }
    }

    /// <summary>Between the main host and the writer: forwards each intent and keeps a copy.</summary>
    private sealed class IntentProxy : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly ConcurrentQueue<string> intents = new();
        private readonly HttpClient forward;

        private IntentProxy(WebApplication app, Uri writer)
        {
            this.app = app;
            forward = new HttpClient { BaseAddress = writer, Timeout = TimeSpan.FromMinutes(2) };
        }

        public Uri BaseUrl { get; private set; } = null!;

        public IReadOnlyList<string> Intents => [.. intents];

        public static async Task<IntentProxy> StartAsync(Uri writer)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var proxy = new IntentProxy(app, writer);
            app.MapPost("/writer/intents", proxy.ForwardAsync);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            proxy.BaseUrl = new Uri(address);
            return proxy;
        }

        private async Task<IResult> ForwardAsync(HttpRequest request)
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            intents.Enqueue(body);
            using var answer = await forward.PostAsync("/writer/intents", new StringContent(body, Encoding.UTF8, "application/json"));
            return Results.Content(await answer.Content.ReadAsStringAsync(), "application/json", Encoding.UTF8, (int)answer.StatusCode);
        }

        public async ValueTask DisposeAsync()
        {
            forward.Dispose();
            await app.DisposeAsync();
        }
    }
}

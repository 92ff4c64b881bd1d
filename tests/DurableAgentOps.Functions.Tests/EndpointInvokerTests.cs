using System.Globalization;
using System.Net;
using DurableAgentOps.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Functions.Tests;

/// <summary>
/// What the Functions app's triggers call: every endpoint binds with the app's own services, and the endpoint's policy
/// refuses a caller before its handler runs, with the same answers as the standalone host.
/// </summary>
public sealed class EndpointInvokerTests
{
    public static TheoryData<string> Endpoints() => [.. AgentOpsApiEndpoints.All.Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Invoke_EveryEndpoint_BindsItsParametersFromTheFunctionsAppsServices(string name)
    {
        // A handler parameter the app does not register would be taken for the request body: building the delegate
        // refuses that for a GET, and a POST would answer 415/400 for a service it never got.
        await using var app = FunctionsApp.Start();
        var handler = AgentOpsApiEndpoints.Named(name).Handler;

        var built = RequestDelegateFactory.Create(handler, new RequestDelegateFactoryOptions { ServiceProvider = app.Services });

        Assert.NotNull(built.RequestDelegate);
        var inferredBody = handler.Method.GetParameters()
            .Where(p => p.ParameterType.IsClass && p.ParameterType != typeof(string) && !IsFramework(p.ParameterType)
                && app.Services.GetService<IServiceProviderIsService>()!.IsService(p.ParameterType) is false
                && !p.GetCustomAttributes(false).Any(a => a.GetType().Name == "FromServicesAttribute"))
            .Select(p => $"{p.Name}: {p.ParameterType.Name}");
        Assert.Empty(inferredBody);
    }

    [Fact]
    public async Task Invoke_StartRunWithoutCredential_Is401NamingWhatToSend()
    {
        await using var app = FunctionsApp.Start();
        var http = app.Request("POST", "/api/workflows/crm-followup/runs");

        await app.Services.GetRequiredService<EndpointInvoker>().InvokeAsync("StartRun", http, ("name", "crm-followup"));

        Assert.Equal(401, http.Response.StatusCode);
        Assert.Contains("Authorization: Bearer", FunctionsApp.Body(http), StringComparison.Ordinal);
        Assert.StartsWith("Bearer", http.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_StartRunWithTheSystemKey_Is403BecauseTheKeyIsNoPerson()
    {
        await using var app = FunctionsApp.Start();
        var http = app.Request("POST", "/api/workflows/crm-followup/runs", FunctionsApp.SystemKey);

        await app.Services.GetRequiredService<EndpointInvoker>().InvokeAsync("StartRun", http, ("name", "crm-followup"));

        Assert.Equal(403, http.Response.StatusCode);
        Assert.Contains("starting a run needs a signed-in person", FunctionsApp.Body(http), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_EvidenceWithAWrongSystemKey_Is401AndNeverReachesTheLedger()
    {
        await using var app = FunctionsApp.Start();
        var http = app.Request("GET", "/api/evidence/runs", "not-the-key-0123456789abcdef0123456789");

        await app.Services.GetRequiredService<EndpointInvoker>().InvokeAsync("SearchEvidence", http);

        Assert.Equal(401, http.Response.StatusCode);
        Assert.Contains("x-functions-key header does not match", FunctionsApp.Body(http), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_ApprovalPageWithAForgedLink_IsA400PageThatChangesNothing()
    {
        await using var app = FunctionsApp.Start(new Dictionary<string, string?>
        {
            ["AgentOps:Approvals:LinkSigningKey"] = Convert.ToBase64String(new byte[32]),
        });
        var http = app.Request("GET", "/api/approvals/forged");
        http.RequestServices.GetRequiredService<RequestDurableClient>().Client = new UnusedDurableClient();

        await app.Services.GetRequiredService<EndpointInvoker>().InvokeAsync("ApprovalPage", http, ("token", "forged"));

        Assert.Equal(400, http.Response.StatusCode);
        Assert.StartsWith("text/html", http.Response.ContentType, StringComparison.Ordinal);
        Assert.Contains("This link is not valid", FunctionsApp.Body(http), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_RunPageNotSignedIn_IsTheSignInPageUnderTheApiPrefixAndReadsNoRun()
    {
        await using var app = FunctionsApp.Start();
        var http = app.Request("GET", "/api/runs/crm-followup-0123456789ab/overview");
        // A client that throws on use: the page must not read the run before sign-in.
        http.RequestServices.GetRequiredService<RequestDurableClient>().Client = new UnusedDurableClient();

        await app.Services.GetRequiredService<EndpointInvoker>().InvokeAsync("RunPage", http, ("runId", "crm-followup-0123456789ab"));

        Assert.Equal(200, http.Response.StatusCode);
        var body = FunctionsApp.Body(http);
        Assert.Contains("Sign in to follow this run", body, StringComparison.Ordinal);
        Assert.Contains("href=\"/api/runs/crm-followup-0123456789ab/overview/sign-in\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_ApprovalPageOverItsLimit_Is429WithRetryAfterForThatAddressOnly()
    {
        await using var app = FunctionsApp.Start(new Dictionary<string, string?>
        {
            ["AgentOps:Approvals:LinkSigningKey"] = Convert.ToBase64String(new byte[32]),
            ["AgentOps:RateLimits:ApprovalPagePerMinute"] = "5",
        });
        var invoker = app.Services.GetRequiredService<EndpointInvoker>();

        async Task<HttpContext> PageFromAsync(string address)
        {
            var http = app.Request("GET", "/api/approvals/forged");
            http.Connection.RemoteIpAddress = IPAddress.Parse(address);
            http.RequestServices.GetRequiredService<RequestDurableClient>().Client = new UnusedDurableClient();
            await invoker.InvokeAsync("ApprovalPage", http, ("token", "forged"));
            return http;
        }

        var answers = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add((await PageFromAsync("203.0.113.7")).Response.StatusCode);
        }

        var last = await PageFromAsync("203.0.113.7");
        var other = await PageFromAsync("203.0.113.8");

        Assert.Equal(5, answers.Count(s => s == 400)); // the page itself, within the budget
        Assert.All(answers.Skip(5), s => Assert.Equal(429, s));
        Assert.Equal(429, last.Response.StatusCode);
        Assert.True(int.Parse(last.Response.Headers.RetryAfter.ToString(), CultureInfo.InvariantCulture) >= 1, last.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("text/html", last.Response.ContentType, StringComparison.Ordinal);
        Assert.Contains("Too many requests", FunctionsApp.Body(last), StringComparison.Ordinal);
        Assert.Equal(400, other.Response.StatusCode);
    }

    [Fact]
    public async Task Invoke_StartRunOverItsLimit_CountsPerVerifiedCallerThenPerAddress()
    {
        await using var app = FunctionsApp.Start(new Dictionary<string, string?> { ["AgentOps:RateLimits:RunStartPerMinute"] = "3" });
        var invoker = app.Services.GetRequiredService<EndpointInvoker>();

        async Task<HttpContext> StartAsync(string? systemKey)
        {
            var http = app.Request("POST", "/api/workflows/crm-followup/runs", systemKey);
            http.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.4");
            await invoker.InvokeAsync("StartRun", http, ("name", "crm-followup"));
            return http;
        }

        var asKey = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            asKey.Add((await StartAsync(FunctionsApp.SystemKey)).Response.StatusCode);
        }

        var anonymous = await StartAsync(null); // same address, no verified caller: its own budget

        Assert.Equal([403, 403, 403, 429], asKey); // the key's own budget, then refused before authorization
        Assert.Equal(401, anonymous.Response.StatusCode);
        var refused = await StartAsync(FunctionsApp.SystemKey);
        Assert.Equal("application/problem+json", refused.Response.ContentType);
        Assert.Contains("Too many requests for starting runs from you", FunctionsApp.Body(refused), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateOnStart_RateLimitOfZero_IsRefusedByName()
    {
        await using var app = FunctionsApp.Start(new Dictionary<string, string?> { ["AgentOps:RateLimits:Concurrent"] = "0" });

        var refused = Assert.ThrowsAny<Exception>(() => app.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("AgentOps:RateLimits:Concurrent must be between 1 and 10000, not 0", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_EvidenceWhileStorageIsUnreachable_Is503WithRetryAfterNot500()
    {
        // Storage that refuses connections (nothing listens on port 9): the same answer as the standalone host's.
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        await using var app = FunctionsApp.Start(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};" +
                "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        });
        var http = app.Request("GET", "/api/evidence/runs", FunctionsApp.SystemKey);

        await app.Services.GetRequiredService<EndpointInvoker>().InvokeAsync("SearchEvidence", http);

        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("10", http.Response.Headers.RetryAfter.ToString());
        var body = FunctionsApp.Body(http);
        Assert.Contains("Storage is unavailable.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateOnStart_FunctionsComposition_RefusesABadSettingByName()
    {
        await using var app = FunctionsApp.Start(new Dictionary<string, string?> { ["AgentOps:Auth:Authority"] = null });

        var refused = Assert.ThrowsAny<Exception>(() => app.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("AgentOps:Auth:Authority is required", refused.ToString(), StringComparison.Ordinal);
    }

    private static bool IsFramework(Type type) =>
        type == typeof(HttpContext) || type == typeof(HttpRequest) || type == typeof(HttpResponse) || type == typeof(System.Security.Claims.ClaimsPrincipal);
}

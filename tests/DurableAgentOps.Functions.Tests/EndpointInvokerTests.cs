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

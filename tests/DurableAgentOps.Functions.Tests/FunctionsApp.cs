using DurableAgentOps.Core.Evidence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Functions.Tests;

/// <summary>The Functions app's services, composed by its own <see cref="FunctionsComposition"/> over valid settings.</summary>
internal sealed class FunctionsApp : IAsyncDisposable
{
    public const string SystemKey = "0123456789abcdef0123456789abcdef-test";

    private FunctionsApp(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; }

    public static FunctionsApp Start(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AgentOps:Auth:Authority"] = "http://127.0.0.1:9/signin",
            ["AgentOps:Auth:SystemKey"] = SystemKey,
            ["AgentOps:Evidence:SigningKey"] = PemEvidenceSigner.NewPrivateKeyPem(),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAgentOpsFunctions(configuration);
        return new FunctionsApp(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }));
    }

    /// <summary>A request as a trigger hands it over: its own scope, a response body to read back.</summary>
    public HttpContext Request(string method, string path, string? systemKey = null)
    {
        var http = new DefaultHttpContext { RequestServices = Services.CreateScope().ServiceProvider };
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("127.0.0.1", 7071);
        if (systemKey is not null)
        {
            http.Request.Headers["x-functions-key"] = systemKey;
        }

        http.Response.Body = new MemoryStream();
        return http;
    }

    public static string Body(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return new StreamReader(http.Response.Body).ReadToEnd();
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

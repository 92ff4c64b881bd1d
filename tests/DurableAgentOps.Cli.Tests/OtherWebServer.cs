using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Cli.Tests;

/// <summary>
/// A web server that is not a DurableAgentOps host (Kestrel on a free loopback port): it answers every method and path
/// with what the test sets, as a static site, another API or a proxy would, and records the paths asked.
/// </summary>
internal sealed class OtherWebServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<string> paths = new();

    private OtherWebServer(WebApplication app) => this.app = app;

    public string Url => app.Urls.Single();

    public IReadOnlyList<string> Paths => [.. paths];

    /// <summary>The answer to any request, by method and path (default: a 404 page).</summary>
    public Func<string, string, IResult> Answer { get; set; } = (_, _) => NotFoundPage;

    public static IResult NotFoundPage => Results.Content("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>", "text/html", statusCode: 404);

    public static async Task<OtherWebServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new OtherWebServer(app);
        app.Run(async context =>
        {
            server.paths.Enqueue($"{context.Request.Method} {context.Request.Path}");
            await server.Answer(context.Request.Method, context.Request.Path.Value ?? string.Empty).ExecuteAsync(context);
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

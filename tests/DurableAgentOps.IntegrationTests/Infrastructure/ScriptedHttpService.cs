using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// A stand-in for a business system or Microsoft Graph that fails as a test scripts it: a real Kestrel app on a free
/// loopback port that records every request, answers the next ones with a planned status (with a Retry-After) or holds
/// them without an answer, and otherwise answers 200 with <see cref="Answer"/>. It checks no token.
/// </summary>
internal sealed class ScriptedHttpService : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ScriptedRequest> requests = new();
    private readonly ConcurrentQueue<(int Status, TimeSpan? RetryAfter, bool Hang)> planned = new();
    private readonly CancellationTokenSource stopping = new();

    private ScriptedHttpService(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The JSON a 200 carries.</summary>
    public string Answer { get; set; } = """{"id":"TCK-0000001"}""";

    /// <summary>Every request that reached the service, in order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests => [.. requests];

    public static async Task<ScriptedHttpService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var service = new ScriptedHttpService(app);
        app.Run(service.AnswerAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        service.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return service;
    }

    /// <summary>Answers the next <paramref name="times"/> requests with <paramref name="status"/> (and a Retry-After when given).</summary>
    public void AnswerNext(int times, int status, TimeSpan? retryAfter = null)
    {
        for (var i = 0; i < times; i++)
        {
            planned.Enqueue((status, retryAfter, false));
        }
    }

    /// <summary>Holds the next <paramref name="times"/> requests without an answer until the caller gives up on them.</summary>
    public void HangNext(int times)
    {
        for (var i = 0; i < times; i++)
        {
            planned.Enqueue((0, null, true));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        requests.Enqueue(new ScriptedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
            authorization.StartsWith("Bearer ", StringComparison.Ordinal), context.Request.Headers["Idempotency-Key"].ToString(), DateTimeOffset.UtcNow));
        if (!planned.TryDequeue(out var next))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Answer, context.RequestAborted);
            return;
        }

        if (next.Hang)
        {
            try
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping.Token);
                await Task.Delay(Timeout.Infinite, either.Token);
            }
            catch (OperationCanceledException)
            {
                // The caller gave up on this attempt, or the test is over.
            }

            return;
        }

        context.Response.StatusCode = next.Status;
        if (next.RetryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync("""{"error":"scripted"}""", context.RequestAborted);
    }
}

/// <summary>One request the service got: method, path with query, whether it carried a bearer token, its idempotency key.</summary>
internal sealed record ScriptedRequest(string Method, string Path, bool HasBearer, string IdempotencyKey, DateTimeOffset At);

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
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
/// A stand-in for a Power Automate Workflows webhook: a real Kestrel app on a free loopback port, with the trigger's
/// URL shape and a random <c>sig=</c>. It records every body posted to it and answers 202 with an empty body, as the
/// real one does; told to, it first answers a given status N times (429 with a Retry-After, 500, …), late if asked. A wrong
/// signature is 401, as a credential the workflow does not know.
/// </summary>
internal sealed class TeamsReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedPost> posts = new();
    private readonly ConcurrentQueue<(HttpStatusCode Status, TimeSpan? RetryAfter, TimeSpan Delay)> planned = new();

    private TeamsReceiver(WebApplication app, string signature)
    {
        this.app = app;
        Signature = signature;
    }

    /// <summary>The credential in the URL; a test checks it appears nowhere.</summary>
    public string Signature { get; }

    public string WorkflowId { get; } = Guid.NewGuid().ToString("N");

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The webhook URL, shaped as a Workflows trigger URL.</summary>
    public Uri WebhookUrl => new(BaseUrl,
        $"workflows/{WorkflowId}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={Signature}");

    /// <summary>Every post that reached the receiver, in order, with what it was answered.</summary>
    public IReadOnlyList<ReceivedPost> Posts => [.. posts];

    public static async Task<TeamsReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new TeamsReceiver(app, Base64Url(RandomNumberGenerator.GetBytes(32)));
        app.MapPost("/workflows/{id}/triggers/manual/paths/invoke", receiver.ReceiveAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return receiver;
    }

    /// <summary>
    /// Answers the next <paramref name="times"/> posts with <paramref name="status"/> (and a Retry-After when given),
    /// each after <paramref name="delay"/> unless the poster gives up first.
    /// </summary>
    public void AnswerNext(int times, HttpStatusCode status, TimeSpan? retryAfter = null, TimeSpan? delay = null)
    {
        for (var i = 0; i < times; i++)
        {
            planned.Enqueue((status, retryAfter, delay ?? TimeSpan.Zero));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext context, string id)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var status = HttpStatusCode.Accepted;
        TimeSpan? retryAfter = null;
        var delay = TimeSpan.Zero;
        if (id != WorkflowId || context.Request.Query["sig"] != Signature)
        {
            status = HttpStatusCode.Unauthorized;
        }
        else if (planned.TryDequeue(out var next))
        {
            (status, retryAfter, delay) = next;
        }

        posts.Enqueue(new ReceivedPost(body, context.Request.ContentType, status, DateTimeOffset.UtcNow));
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the poster gave up on this one
            }
        }

        context.Response.StatusCode = (int)status;
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>One post the receiver got: the body as sent, its content type, the status it was answered with.</summary>
internal sealed record ReceivedPost(string Body, string? ContentType, HttpStatusCode Answered, DateTimeOffset At);

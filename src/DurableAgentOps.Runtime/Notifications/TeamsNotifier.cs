using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The Teams channel: posts the notice as an Adaptive Card 1.4 to a Power Automate Workflows webhook, which puts it in
/// a channel (Microsoft 365 connectors are retired). A card cannot be updated without a bot, so each step of a gate
/// (request, reminder, escalation, outcome) is a card of its own. Failed posts are retried by the HttpClient's resilience
/// pipeline (<see cref="ConfigurePipeline"/>): 429 after its Retry-After (up to 30 s), 408, 5xx, network failures and
/// timed-out posts with doubling waits; any other 4xx is final. Failures are reported, never thrown. The webhook URL is
/// a credential: it is in no log, no failure and no exception of this class.
/// </summary>
internal sealed class TeamsNotifier(HttpClient http, IOptions<TeamsOptions> options, TimeProvider time, ILogger<TeamsNotifier> logger)
{
    public const string Channel = "teams";

    /// <summary>A 429's Retry-After is honoured up to this; a longer one ends the send (a notice is not worth holding a worker for minutes).</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>The run a post is for, so the pipeline's retry log can name it.</summary>
    private static readonly HttpRequestOptionsKey<string> RunIdKey = new("AgentOps.RunId");

    /// <summary>How many retries the pipeline made of a post, for the final reason.</summary>
    private static readonly HttpRequestOptionsKey<int> RetriesKey = new("AgentOps.Retries");

    private TeamsOptions Options => options.Value;

    /// <summary>False when <c>AgentOps:Teams:WebhookUrl</c> is not set: every send then reports "not configured".</summary>
    public bool IsConfigured => Options.IsConfigured;

    /// <summary>
    /// Posts the notice's card with one "Review and decide" (or, for an outcome, "Open the run") button to
    /// <paramref name="pageLink"/>: a link for the channel, not a person's signed link, since everyone in the channel sees it.
    /// </summary>
    public async Task<NoticeResult> SendAsync(ApprovalNotice notice, Uri pageLink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(pageLink);
        if (!IsConfigured)
        {
            logger.ChannelNotConfigured(Channel, notice.RunId, $"{TeamsOptions.Section}:WebhookUrl");
            return new NoticeResult(Channel, 0, [$"teams is not configured ({TeamsOptions.Section}:WebhookUrl is not set)"]);
        }

        if (!Uri.TryCreate(Options.WebhookUrl!.Trim(), UriKind.Absolute, out var webhook))
        {
            return Failed(notice, $"{TeamsOptions.Section}:WebhookUrl is not an absolute URL (the value is not shown)");
        }

        if (!pageLink.IsAbsoluteUri || pageLink.Scheme is not ("https" or "http"))
        {
            return Failed(notice, "the page link is not an absolute http(s) URL");
        }

        var (body, cut) = AdaptiveCardBuilder.BuildMessage(notice, pageLink);
        if (body.Length > AdaptiveCardBuilder.MaxMessageBytes)
        {
            return Failed(notice, $"the card takes {body.Length} bytes even with its values cut short; Teams takes at most {AdaptiveCardBuilder.MaxMessageBytes}");
        }

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = content };
        request.Options.Set(RunIdKey, notice.RunId);
        string reason;
        bool transient;
        try
        {
            // The HttpClient's pipeline (ConfigurePipeline) times each attempt out and retries; this is its last word.
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                logger.TeamsPosted(notice.Kind, notice.RunId, notice.Gate, body.Length, cut ? "; values cut short" : string.Empty);
                return new NoticeResult(Channel, 1, []);
            }

            reason = Describe(response, time);
            transient = IsTransient(response, time);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            reason = Describe(ex);
            transient = true;
        }

        if (!transient)
        {
            return Failed(notice, $"{reason} (permanent; not retried)");
        }

        var attempts = (request.Options.TryGetValue(RetriesKey, out var retries) ? retries : 0) + 1;
        return Failed(notice, $"{reason}; gave up after {attempts} attempt{(attempts == 1 ? string.Empty : "s")}");
    }

    /// <summary>
    /// The Teams HttpClient's resilience pipeline: retries (<see cref="TeamsOptions.MaxRetries"/>, doubling waits from
    /// <see cref="TeamsOptions.FirstRetryDelay"/> up to 30 s, or the answer's Retry-After up to 30 s) around a timeout
    /// per post (<see cref="TeamsOptions.Timeout"/>). Retries are logged here, without the URL.
    /// </summary>
    internal static void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var options = context.ServiceProvider.GetRequiredService<IOptions<TeamsOptions>>().Value;
        var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
        var logger = context.ServiceProvider.GetRequiredService<ILogger<TeamsNotifier>>();
        builder.LogThroughLogsOnly(context.ServiceProvider);
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.FirstRetryDelay,
                MaxDelay = MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => !args.Context.CancellationToken.IsCancellationRequested,
                    { Result: { } answer } => IsTransient(answer, time),
                    _ => false,
                }),
                // A Retry-After within the cap is waited as asked (IsTransient refused a 429 asking longer); else the back-off.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } answer && RetryAfter.Of(answer, time) is { } asked && asked <= MaxRetryAfter ? asked : (TimeSpan?)null),
                OnRetry = args =>
                {
                    var request = args.Context.GetRequestMessage();
                    request?.Options.Set(RetriesKey, args.AttemptNumber + 1);
                    var runId = request?.Options.TryGetValue(RunIdKey, out var id) == true ? id : "(unknown)";
                    var reason = args.Outcome.Result is { } answer ? Describe(answer, time) : Describe(args.Outcome.Exception!);
                    logger.TeamsRetrying(runId, args.AttemptNumber + 1, reason, (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        builder.AddTimeout(options.Timeout);
    }

    /// <summary>429 (unless it asks for more than <see cref="MaxRetryAfter"/>), 408 and 5xx are worth another post; any other 4xx is final.</summary>
    private static bool IsTransient(HttpResponseMessage response, TimeProvider time) => response.StatusCode switch
    {
        HttpStatusCode.TooManyRequests => !(RetryAfter.Of(response, time) > MaxRetryAfter),
        HttpStatusCode.RequestTimeout => true,
        var status => (int)status >= 500,
    };

    private static string Describe(HttpResponseMessage response, TimeProvider time)
    {
        var status = response.StatusCode;
        var reason = $"the webhook answered {(int)status} {status}";
        return status == HttpStatusCode.TooManyRequests && RetryAfter.Of(response, time) is { } asked && asked > MaxRetryAfter
            ? reason + $" asking to wait {asked.TotalSeconds:F0} s, longer than {MaxRetryAfter.TotalSeconds:F0} s"
            : reason;
    }

    // The exception's own message names the host and port; the reason keeps to the kind of failure.
    private static string Describe(Exception error) => error switch
    {
        TimeoutRejectedException timeout => $"no answer within {timeout.Timeout.TotalSeconds:F0} s",
        HttpRequestException { InnerException: SocketException socket } network => $"network failure ({network.HttpRequestError}: {socket.SocketErrorCode})",
        HttpRequestException network => $"network failure ({network.HttpRequestError})",
        _ => error.GetType().Name,
    };

    private NoticeResult Failed(ApprovalNotice notice, string reason)
    {
        logger.TeamsFailed(notice.RunId, reason);
        return new NoticeResult(Channel, 0, [reason]);
    }
}

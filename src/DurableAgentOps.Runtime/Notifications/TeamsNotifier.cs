using DurableAgentOps.Runtime.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The Teams channel: posts the notice as an Adaptive Card 1.4 to a Power Automate Workflows webhook, which puts it in
/// a channel (Microsoft 365 connectors are retired). A card cannot be updated without a bot, so each step of a gate
/// (request, reminder, escalation, outcome) is a card of its own. Failed posts are retried: 429 after its Retry-After
/// (up to 30 s), 408, 5xx and network failures with doubling waits; any other 4xx is final. The webhook URL is a
/// credential: it is in no log, no failure and no exception of this class.
/// </summary>
public sealed class TeamsNotifier(HttpClient http, IOptions<TeamsOptions> options, TimeProvider time, ILogger<TeamsNotifier> logger)
{
    public const string Channel = "teams";

    /// <summary>A 429's Retry-After is honoured up to this; a longer one ends the send (a notice is not worth holding a worker for minutes).</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

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

        for (var attempt = 1; ; attempt++)
        {
            string reason;
            TimeSpan? wait = null;
            var transient = true;
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            try
            {
                using var response = await http.PostAsync(webhook, content, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    logger.TeamsPosted(notice.Kind, notice.RunId, notice.Gate, body.Length, cut ? "; values cut short" : string.Empty);
                    return new NoticeResult(Channel, 1, []);
                }

                var status = response.StatusCode;
                var retryAfter = RetryAfter(response);
                reason = $"the webhook answered {(int)status} {status}";
                if (status == HttpStatusCode.TooManyRequests)
                {
                    if (retryAfter > MaxRetryAfter)
                    {
                        transient = false;
                        reason += $" asking to wait {retryAfter.Value.TotalSeconds:F0} s, longer than {MaxRetryAfter.TotalSeconds:F0} s";
                    }

                    wait = retryAfter;
                }
                else if (status == HttpStatusCode.RequestTimeout || (int)status >= 500)
                {
                    wait = retryAfter is { } asked && asked <= MaxRetryAfter ? asked : null;
                }
                else
                {
                    transient = false;
                }
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The exception's own message names the host and port; the reason keeps to the kind of failure.
                reason = ex.InnerException is System.Net.Sockets.SocketException socket
                    ? $"network failure ({ex.HttpRequestError}: {socket.SocketErrorCode})"
                    : $"network failure ({ex.HttpRequestError})";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reason = $"no answer within {Options.Timeout.TotalSeconds:F0} s";
            }

            if (!transient)
            {
                return Failed(notice, $"{reason} (permanent; not retried)");
            }

            if (attempt > Options.MaxRetries)
            {
                return Failed(notice, $"{reason}; gave up after {attempt} attempt{(attempt == 1 ? string.Empty : "s")}");
            }

            var delay = wait ?? Backoff(attempt);
            logger.TeamsRetrying(notice.RunId, attempt, reason, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    private NoticeResult Failed(ApprovalNotice notice, string reason)
    {
        logger.TeamsFailed(notice.RunId, reason);
        return new NoticeResult(Channel, 0, [reason]);
    }

    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, Options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait > TimeSpan.Zero ? wait : wait is null ? null : TimeSpan.Zero;
    }
}

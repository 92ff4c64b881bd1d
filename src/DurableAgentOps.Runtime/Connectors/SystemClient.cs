using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Sends a <see cref="SystemCall"/> with the step identity's token. Transient faults (network, 408, 409, 429, 5xx) are
/// retried with jittered exponential back-off, or after the system's Retry-After (up to 30 s); 400, 401, 403 and 404
/// never are: they are refusals and end the step.
/// </summary>
public sealed class SystemClient(HttpClient http, StepCredentials credentials, IOptions<SystemsOptions> systems, ILogger<SystemClient> logger)
{
    /// <summary>Retries after the first attempt; with the delays below a call gives up after 3 to 6 s of faults.</summary>
    public const int MaxRetries = 6;

    /// <summary>Largest answer a step takes from a system (it becomes part of the run's durable history).</summary>
    public const int MaxAnswerBytes = 256 * 1024;

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(3);

    // A system that names its own wait is believed up to this long. A longer wait ends the attempt: holding an activity
    // slot for minutes is worse than the step's retry policy, which waits on a durable timer.
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    public async Task<JsonNode?> SendAsync(SystemCall call, string clientId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var baseUrl = systems.Value.For(call.System).BaseUrl;
        for (var attempt = 0; ; attempt++)
        {
            // Asked on every attempt: the credential caches, and a retry may outlive a token.
            var token = await credentials.GetTokenAsync(clientId, call.System, cancellationToken);
            using var request = new HttpRequestMessage(call.Method, new Uri(baseUrl, call.Path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }

            if (call.Body is not null)
            {
                request.Content = JsonContent.Create(call.Body);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (attempt < MaxRetries)
            {
                logger.SystemCallRetrying(call.Operation, call.Path, attempt + 1, ex.Message);
                await Task.Delay(Backoff(attempt), cancellationToken);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return await ReadAnswerAsync(call, response, cancellationToken);
                }

                var reason = await response.Content.ReadAsStringAsync(cancellationToken);
                var retryAfter = RetryAfter(response);
                if (IsTransient(response.StatusCode) && attempt < MaxRetries && (retryAfter is null || retryAfter <= MaxRetryAfter))
                {
                    logger.SystemCallRetrying(call.Operation, call.Path, attempt + 1, $"HTTP {(int)response.StatusCode}");
                    await Task.Delay(retryAfter ?? Backoff(attempt), cancellationToken);
                    continue;
                }

                var asked = retryAfter is { } wait ? $" (asked to retry after {wait.TotalSeconds:F0} s)" : string.Empty;
                var message = $"{call.System} answered {(int)response.StatusCode} {response.StatusCode}{asked} to {call.Operation} ({call.Method} {call.Path}): {Trim(reason)}";
                throw response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest or HttpStatusCode.NotFound
                    ? new StepRefusedException(message)
                    : new HttpRequestException(message, null, response.StatusCode);
            }
        }
    }

    /// <summary>
    /// The system's answer, refused past <see cref="MaxAnswerBytes"/>: an activity's result is kept in the run's durable
    /// history, and one huge answer would slow every later replay of the run and the hub's queues.
    /// </summary>
    internal static async Task<JsonNode?> ReadAnswerAsync(SystemCall call, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength == 0)
        {
            return null;
        }

        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            throw new StepRefusedException($"{call.System} answered {call.Operation} with {response.Content.Headers.ContentLength} bytes; the limit is {MaxAnswerBytes}");
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(MaxAnswerBytes, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
        {
            throw new StepRefusedException($"{call.System} answered {call.Operation} with more than {MaxAnswerBytes} bytes, the limit");
        }

        return await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
    }

    /// <summary>
    /// Doubling delays from 100 ms up to 3 s, each drawn from its upper half: writers that collided on one record
    /// (409) would collide again if they all waited the same time.
    /// </summary>
    private static TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait > TimeSpan.Zero ? wait : null;
    }

    // 409: the record changed under a concurrent write; the write is idempotent, so trying again is safe.
    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

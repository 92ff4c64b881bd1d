using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Sends a <see cref="SystemCall"/> with the step identity's token (an MCP tool through <see cref="McpToolClient"/>).
/// Retries, timeouts and the circuit breaker per system
/// are the HttpClient's resilience pipeline (<see cref="SystemCallResilience"/>); this class builds the request and
/// says what the final answer means: 400, 401, 403 and 404 are refusals and end the step, any other failure is a
/// fault the step's own retry policy may try again.
/// </summary>
public sealed class SystemClient(HttpClient http, IOptions<SystemsOptions> systems, McpToolClient mcp, TimeProvider time)
{
    /// <summary>Largest answer a step takes from a system (it becomes part of the run's durable history).</summary>
    public const int MaxAnswerBytes = 256 * 1024;

    /// <summary>
    /// Sends the call with the step identity's token; <paramref name="delegated"/> is set when that identity acts for the
    /// run's initiator, and the call then goes with a token acting for that person.
    /// </summary>
    public async Task<JsonNode?> SendAsync(SystemCall call, string clientId, string? idempotencyKey, CancellationToken cancellationToken, DelegatedCall? delegated = null)
    {
        ArgumentNullException.ThrowIfNull(call);

        // The call as a span: system, operation, method, identity and status; never its path (it names records) or body.
        using var span = RuntimeTelemetry.Source.StartActivity(RuntimeTelemetry.SystemCallSpan, System.Diagnostics.ActivityKind.Client);
        span?.SetTag(TelemetryTags.System, call.System);
        span?.SetTag(TelemetryTags.Operation, call.Operation);
        span?.SetTag(TelemetryTags.HttpMethod, call.Method.Method);
        span?.SetTag(TelemetryTags.ClientId, clientId);
        var started = time.GetTimestamp();
        var status = "error";
        try
        {
            var answer = call.Mcp is { } tool
                ? await mcp.CallAsync(call, tool, clientId, idempotencyKey, cancellationToken, delegated)
                : await SendCoreAsync(call, clientId, idempotencyKey, cancellationToken, delegated);
            status = "ok";
            return answer;
        }
        catch (HttpRequestException ex) when (ex.StatusCode is { } code)
        {
            status = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
            span?.SetTag(TelemetryTags.HttpStatus, (int)code);
            RuntimeTelemetry.Fail(span, ex);
            throw;
        }
        catch (Exception ex)
        {
            status = RuntimeTelemetry.OutcomeOf(ex) == "refused" ? "refused" : "error";
            RuntimeTelemetry.Fail(span, ex);
            throw;
        }
        finally
        {
            RuntimeTelemetry.SystemCallDuration.Record(time.GetElapsedTime(started).TotalSeconds, new(TelemetryTags.System, call.System),
                new(TelemetryTags.Operation, call.Operation), new(TelemetryTags.HttpStatus, status));
        }
    }

    private async Task<JsonNode?> SendCoreAsync(SystemCall call, string clientId, string? idempotencyKey, CancellationToken cancellationToken, DelegatedCall? delegated)
    {
        var baseUrl = systems.Value.For(call.System).BaseUrl;
        using var request = new HttpRequestMessage(call.Method, SameOrigin(baseUrl, call.Path, call));
        // Read by the pipeline (which system's breaker, what to log) and by the token handler (whose token, each attempt).
        request.Options.Set(SystemCallResilience.CallKey, call);
        request.Options.Set(SystemCallResilience.ClientIdKey, clientId);
        if (delegated is not null)
        {
            request.Options.Set(SystemCallResilience.DelegationKey, delegated);
        }
        if (idempotencyKey is not null)
        {
            // The same key on every attempt: a retried write is applied once.
            request.Headers.Add(call.IdempotencyHeader, idempotencyKey);
        }

        if (call.Body is not null)
        {
            request.Content = JsonContent.Create(call.Body);
        }

        // The pipeline's own exceptions become faults in the call's words, with no inner exception: a failed run
        // reports the innermost cause, and Polly's wording would say neither the system nor the call.
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            var resumes = ex.RetryAfter is { } wait ? $"; a trial call goes through in {Math.Ceiling(wait.TotalSeconds):F0} s" : string.Empty;
            throw new HttpRequestException(
                $"{call.System} is failing: calls to it are paused after repeated failures (circuit open{resumes}); {call.Operation} ({call.Method} {call.Path}) was not sent");
        }
        catch (TimeoutRejectedException ex)
        {
            throw new HttpRequestException(
                $"{call.System} did not answer {call.Operation} ({call.Method} {call.Path}) within {ex.Timeout.TotalSeconds:F0} s", null, HttpStatusCode.RequestTimeout);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode && (call.Success.Count == 0 || call.Success.Contains((int)response.StatusCode)))
            {
                return await ReadAnswerAsync(call, response, cancellationToken);
            }

            var reason = await response.Content.ReadAsStringAsync(cancellationToken);
            var asked = RetryAfter.Of(response, time) is { } wait && wait > TimeSpan.Zero ? $" (asked to retry after {wait.TotalSeconds:F0} s)" : string.Empty;
            var expected = response.IsSuccessStatusCode ? $" (its declaration expects {string.Join(" or ", call.Success)})" : string.Empty;
            var message = $"{call.System} answered {(int)response.StatusCode} {response.StatusCode}{asked}{expected} to {call.Operation} ({call.Method} {call.Path}): {Trim(reason)}";
            throw SystemCallResilience.IsRefusal(response.StatusCode)
                ? new StepRefusedException(message)
                : new HttpRequestException(message, null, response.StatusCode);
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
    /// The call's URL below the system's base URL; a path that would leave its scheme, host or port is refused, so the
    /// step's token and body go to no other origin, whatever a declaration says.
    /// </summary>
    internal static Uri SameOrigin(Uri baseUrl, string path, SystemCall call)
    {
        var url = new Uri(baseUrl, path);
        return Uri.Compare(url, baseUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            ? url
            : throw new StepRefusedException($"{call.Operation}: its path leads to {url.GetLeftPart(UriPartial.Authority)}, not to {call.System} at {baseUrl.GetLeftPart(UriPartial.Authority)}");
    }

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

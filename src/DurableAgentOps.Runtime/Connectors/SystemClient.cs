using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Sends a <see cref="SystemCall"/> with the step identity's token. Transient faults (network, 408, 409, 429, 5xx) are
/// retried with back-off; 401 and 403 never are: they are refusals and end the step.
/// </summary>
public sealed partial class SystemClient(HttpClient http, StepCredentials credentials, IOptions<SystemsOptions> systems, ILogger<SystemClient> logger)
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(1)];

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
            catch (HttpRequestException ex) when (attempt < Backoff.Length)
            {
                LogTransient(logger, call.Operation, call.Path, attempt + 1, ex.Message);
                await Task.Delay(Backoff[attempt], cancellationToken);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return response.Content.Headers.ContentLength == 0 ? null : await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
                }

                var reason = await response.Content.ReadAsStringAsync(cancellationToken);
                if (IsTransient(response.StatusCode) && attempt < Backoff.Length)
                {
                    LogTransient(logger, call.Operation, call.Path, attempt + 1, $"HTTP {(int)response.StatusCode}");
                    await Task.Delay(Backoff[attempt], cancellationToken);
                    continue;
                }

                var message = $"{call.System} answered {(int)response.StatusCode} {response.StatusCode} to {call.Operation} ({call.Method} {call.Path}): {Trim(reason)}";
                throw response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest or HttpStatusCode.NotFound
                    ? new StepRefusedException(message)
                    : new HttpRequestException(message, null, response.StatusCode);
            }
        }
    }

    // 409: the record changed under a concurrent write; the write is idempotent, so trying again is safe.
    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [LoggerMessage(1, LogLevel.Warning, "Transient fault on {Operation} {Path} (attempt {Attempt}): {Reason}; retrying")]
    private static partial void LogTransient(ILogger logger, string operation, string path, int attempt, string reason);
}

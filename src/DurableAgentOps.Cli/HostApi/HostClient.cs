using System.Net;
using System.Text;
using System.Text.Json;

namespace DurableAgentOps.Cli.HostApi;

/// <summary>
/// What the host answered: the status code and the body as text (kept raw so --format json can print it as is), and the
/// body's media type (e.g. application/json; null when the answer named none).
/// </summary>
internal sealed record HostResponse(HttpStatusCode Status, string Body, string? MediaType = null)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public T? Read<T>() where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(Body, ApiJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The problem's detail (or title), else the status line: never empty, so every refusal prints a reason.</summary>
    public string Explain() =>
        Read<ProblemDto>() is { } problem && (problem.Detail ?? problem.Title) is { Length: > 0 } text
            ? text
            : $"the host answered {(int)Status} {Status}";
}

/// <summary>No answer from the host at all (refused, unresolvable, timed out): distinct from any HTTP answer.</summary>
internal class HostUnreachableException : Exception
{
    public HostUnreachableException(Uri host, string reason, Exception inner)
        : base($"cannot reach the DurableAgentOps host at {HostClient.Display(host)}: {reason}", inner)
    {
    }

    protected HostUnreachableException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Something answers at the URL, but not a DurableAgentOps host (another web server, a proxy's error page): as good as no
/// host there, so every command handles it where it handles an unreachable host, instead of reading its 404 as "no such
/// workflow" or "no such run".
/// </summary>
internal sealed class NotADurableAgentOpsHostException(Uri host, string answer)
    : HostUnreachableException($"{HostClient.Display(host)} is not a DurableAgentOps host ({answer})");

/// <summary>The run API of a DurableAgentOps host (standalone host or Functions app), over plain HTTP.</summary>
internal sealed class HostClient : IDisposable
{
    public const string HostVariable = "AGENTOPS_HOST";
    public const string DefaultHost = "http://127.0.0.1:7071";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient http;

    /// <summary>Null until asked; empty once GET /api/host proved a DurableAgentOps host; else what it answered instead.</summary>
    private string? notOurs;

    public HostClient(Uri host, string? bearerToken = null)
    {
        Host = host;
        http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        if (bearerToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }
    }

    public Uri Host { get; }

    /// <summary>The URL as people write it (no trailing slash), for messages.</summary>
    public static string Display(Uri host) => host.AbsoluteUri.TrimEnd('/');

    /// <summary>--host if given, else $AGENTOPS_HOST, else the local default; null (with a reason) if it is not an http(s) URL.</summary>
    public static Uri? ResolveHost(string? option, string? environment, out string? problem)
    {
        var text = !string.IsNullOrWhiteSpace(option) ? option : !string.IsNullOrWhiteSpace(environment) ? environment : DefaultHost;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            problem = null;
            return uri;
        }

        problem = $"the host must be an http(s) URL; got '{text}'";
        return null;
    }

    public Task<HostResponse> GetAsync(string path, CancellationToken cancellationToken) =>
        CheckedAsync(path, SendAsync(new HttpRequestMessage(HttpMethod.Get, Url(path)), cancellationToken), cancellationToken);

    public Task<HostResponse> DeleteAsync(string path, CancellationToken cancellationToken) =>
        CheckedAsync(path, SendAsync(new HttpRequestMessage(HttpMethod.Delete, Url(path)), cancellationToken), cancellationToken);

    /// <summary>Posts <paramref name="body"/> as JSON; <paramref name="timeout"/> for a request the host takes long over (default 30 s).</summary>
    public Task<HostResponse> PostAsync(string path, object body, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        // Serialized up front so the request has a Content-Length: some proxies refuse chunked request bodies.
        CheckedAsync(path, SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(path)) { Content = new StringContent(JsonSerializer.Serialize(body, ApiJson.Options), Encoding.UTF8, "application/json") },
            cancellationToken, timeout), cancellationToken);

    /// <summary>Posts <paramref name="json"/> byte for byte (an evidence bundle verifies only in its exact text).</summary>
    public Task<HostResponse> PostJsonTextAsync(string path, string json, CancellationToken cancellationToken) =>
        CheckedAsync(path, SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(path)) { Content = new StringContent(json, new UTF8Encoding(false), "application/json") }, cancellationToken), cancellationToken);

    public void Dispose() => http.Dispose();

    /// <summary>
    /// The answer, once it is known to come from a DurableAgentOps host. An answer only another server would give (a 404,
    /// an error that is not a problem document, a page) is checked against GET /api/host, once per client; the answer to
    /// GET /api/host itself is judged as it is.
    /// </summary>
    private async Task<HostResponse> CheckedAsync(string path, Task<HostResponse> sending, CancellationToken cancellationToken)
    {
        var response = await sending;
        if (path == HostIdentity.Path)
        {
            notOurs = HostIdentity.NotAHost(response) ?? string.Empty;
        }
        else if (!HostIdentity.LooksForeign(response))
        {
            return response;
        }
        else
        {
            notOurs ??= HostIdentity.NotAHost(await SendAsync(new HttpRequestMessage(HttpMethod.Get, Url(HostIdentity.Path)), cancellationToken)) ?? string.Empty;
        }

        return notOurs.Length == 0 ? response : throw new NotADurableAgentOpsHostException(Host, notOurs);
    }

    /// <summary>HttpRequestException's own message is often just "An error occurred while sending the request."; the cause is inside.</summary>
    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    /// <summary>Keeps any path base of the host URL (e.g. a reverse proxy prefix) and escapes nothing: callers escape ids.</summary>
    private Uri Url(string path) => new(Display(Host) + path);

    private async Task<HostResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        var limit = within ?? RequestTimeout;
        using (request)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(limit);
            try
            {
                using var response = await http.SendAsync(request, timeout.Token);
                return new HostResponse(response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token), response.Content.Headers.ContentType?.MediaType);
            }
            catch (HttpRequestException ex)
            {
                throw new HostUnreachableException(Host, Innermost(ex).Message, ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new HostUnreachableException(Host, $"no answer within {limit.TotalSeconds:0} s", ex);
            }
        }
    }
}

using System.Net.Sockets;
using Azure;
using DurableAgentOps.Api.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api.Http;

/// <summary>
/// Storage that cannot be reached (the task hub's or the product's own tables, queues and blobs) is an outage, not a
/// server error: every route answers 503 with a Retry-After and a problem saying so, never a 500. Registered as the
/// exception handler of the standalone host's pipeline and called by <see cref="EndpointInvoker"/> on Functions, so the
/// class of failures is answered once, the same way on both hosts.
/// </summary>
internal sealed class StorageOutage(ILogger<StorageOutage> logger) : IExceptionHandler
{
    /// <summary>What a caller is told to wait: about the Azure SDK's own retries of one request.</summary>
    public const int RetryAfterSeconds = 10;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!Is(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        await AnswerAsync(httpContext, exception, logger);
        return true;
    }

    /// <summary>
    /// True when <paramref name="exception"/>, or one it wraps, says storage could not be reached or could not serve: an
    /// Azure SDK request that got no answer, a 5xx, 408 or 429, or the engine's storage exception around one.
    /// </summary>
    public static bool Is(Exception? exception) => exception switch
    {
        null => false,
        RequestFailedException failed when failed.Status is 0 or 408 or 429 or >= 500 => true,
        RequestFailedException => false, // a 4xx from storage is a bug or a conflict, not an outage
        AggregateException many => many.InnerExceptions.Any(Is),
        _ when exception.GetType().FullName == "DurableTask.AzureStorage.Storage.DurableTaskStorageException" => IsUnreachable(exception.InnerException) || Is(exception.InnerException),
        _ => Is(exception.InnerException),
    };

    /// <summary>The 503 problem with its Retry-After; what failed is logged as its type and status only (no URL, no key).</summary>
    public static async Task AnswerAsync(HttpContext http, Exception exception, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        // The route template, never the path: an approval page's path is its link.
        var route = (http.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        logger.StorageUnavailable(http.Request.Method, route, Describe(exception));
        http.Response.Clear();
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Results.Problem(
            $"This host cannot reach its storage right now; nothing was changed by this request. Try again in {RetryAfterSeconds} s.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage is unavailable.").ExecuteAsync(http);
    }

    private static bool IsUnreachable(Exception? exception) => exception is SocketException or HttpRequestException or TimeoutException
        || (exception?.InnerException is { } inner && IsUnreachable(inner));

    private static string Describe(Exception exception)
    {
        var failed = Find(exception);
        return failed is null ? exception.GetType().Name : $"{failed.GetType().Name} status {failed.Status} {failed.ErrorCode}";
    }

    private static RequestFailedException? Find(Exception? exception) => exception switch
    {
        null => null,
        RequestFailedException failed => failed,
        AggregateException many => many.InnerExceptions.Select(Find).FirstOrDefault(f => f is not null),
        _ => Find(exception.InnerException),
    };
}

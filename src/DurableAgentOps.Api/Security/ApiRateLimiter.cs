using System.Globalization;
using System.Threading.RateLimiting;
using DurableAgentOps.Api.Diagnostics;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Pages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Security;

/// <summary>
/// The one limiter of the routes marked <see cref="RateLimited"/>, on both hosts: the standalone host runs it as ASP.NET
/// Core's rate limiting middleware (its global limiter, after authentication so that a verified caller is known), the
/// Functions app's <see cref="EndpointInvoker"/> acquires from it for the endpoint it invokes, and the pages' sign-in
/// callback acquires from it on either host. Each policy counts per verified caller, or per client address for a request
/// with none, with a per-minute token bucket chained to a concurrency limit (as many again may wait); a request over
/// either gets a 429 with Retry-After.
/// </summary>
internal sealed class ApiRateLimiter : IDisposable
{
    /// <summary>Retry-After when the concurrency limit, which names no time of its own, refused.</summary>
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    private readonly PartitionedRateLimiter<(RateLimited Policy, HttpContext Http)> limiter;
    private readonly ILogger<ApiRateLimiter> logger;

    public ApiRateLimiter(IOptions<RateLimitOptions> options, ILogger<ApiRateLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limits = options.Value;
        this.logger = logger;
        var rate = PartitionedRateLimiter.Create<(RateLimited Policy, HttpContext Http), string>(request =>
        {
            if (request.Policy.Policy.Length == 0)
            {
                return RateLimitPartition.GetNoLimiter(string.Empty);
            }

            var perMinute = limits.PerMinute(request.Policy);
            // A whole number of tokens at least every second, at exactly the rate set: 200 a minute is 4 every 1.2 s.
            var tokensPerPeriod = Math.Max(1, (int)Math.Ceiling(perMinute / 60.0));
            return RateLimitPartition.GetTokenBucketLimiter(PartitionKey(request.Policy, request.Http), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute,
                TokensPerPeriod = tokensPerPeriod,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1) * tokensPerPeriod / perMinute,
                QueueLimit = 0,
            });
        });
        var concurrency = PartitionedRateLimiter.Create<(RateLimited Policy, HttpContext Http), string>(request =>
            request.Policy.Policy.Length == 0
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetConcurrencyLimiter(PartitionKey(request.Policy, request.Http), _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = limits.Concurrent,
                    QueueLimit = limits.Concurrent,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                }));
        limiter = PartitionedRateLimiter.CreateChained(rate, concurrency);
        Global = limiter.WithTranslatedKey<HttpContext>(http => (http.GetEndpoint()?.Metadata.GetMetadata<RateLimited>() ?? Unlimited, http), leaveOpen: true);
    }

    /// <summary>The policy of a request to no limited route: no limit at all.</summary>
    private static RateLimited Unlimited { get; } = new(string.Empty, string.Empty);

    /// <summary>The limiter by the endpoint a request was routed to (ASP.NET Core's global limiter on the standalone host).</summary>
    public PartitionedRateLimiter<HttpContext> Global { get; }

    /// <summary>
    /// A lease of <paramref name="policy"/> for <paramref name="http"/>, held until the response is done; false, with the
    /// 429 written, when the request is over the limit.
    /// </summary>
    public async Task<bool> TryAcquireAsync(HttpContext http, RateLimited policy)
    {
        ArgumentNullException.ThrowIfNull(http);
        var lease = await limiter.AcquireAsync((policy, http), 1, http.RequestAborted);
        if (lease.IsAcquired)
        {
            http.Response.RegisterForDispose(lease);
            return true;
        }

        using (lease)
        {
            await RejectAsync(http, policy, lease);
        }

        return false;
    }

    /// <summary>What the middleware does with a refused request: the same answer <see cref="TryAcquireAsync"/> gives.</summary>
    public ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<RateLimited>() ?? Unlimited;
        return new ValueTask(RejectAsync(context.HttpContext, policy, context.Lease));
    }

    public void Dispose()
    {
        Global.Dispose();
        limiter.Dispose();
    }

    /// <summary>
    /// 429 with Retry-After (whole seconds, at least 1) and a body that says which limit and when to try again: an HTML
    /// page for the pages and the sign-in (a person in a browser), problem details for the API.
    /// </summary>
    private Task RejectAsync(HttpContext http, RateLimited policy, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : BusyRetryAfter;
        var seconds = (int)Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        var principal = Principal(http);
        logger.RateLimited(policy.Policy, principal is null ? "client address" : "caller", principal ?? "-");
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var who = principal is null ? "this address" : "you";
        var detail = $"Too many requests for {policy.What} from {who} just now; nothing was done. Try again in {seconds} second{(seconds == 1 ? string.Empty : "s")}.";
        const string title = "Too many requests.";
        return policy == RateLimited.SignIn || http.GetEndpoint()?.Metadata.GetMetadata<PageEndpoint>() is not null
            ? new HtmlPage().Heading("DurableAgentOps").Banner("refused", title, detail).WriteAsync(http.Response, StatusCodes.Status429TooManyRequests, title)
            : AuthenticationSetup.WriteProblemAsync(http.Response, StatusCodes.Status429TooManyRequests, title, detail);
    }

    /// <summary>What one partition counts: the policy, then the verified caller, else the client address.</summary>
    private static string PartitionKey(RateLimited policy, HttpContext http) =>
        Principal(http) is { } principal ? $"{policy.Policy} caller {principal}" : $"{policy.Policy} address {http.Connection.RemoteIpAddress?.ToString() ?? "unknown"}";

    private static string? Principal(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true && CallerClaims.From(http.User) is { } caller ? caller.Id : null;
}

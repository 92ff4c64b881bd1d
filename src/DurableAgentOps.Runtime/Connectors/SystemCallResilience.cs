using System.Net;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// How calls to business systems ride out faults: <see cref="SystemClient"/>'s HttpClient runs each call through, from
/// the outside in, a total timeout, retries, a circuit breaker of the call's system and a timeout per attempt, and
/// innermost <see cref="StepTokenHandler"/>, which sets the token on every attempt. All within one activity; a step's
/// own <c>retry</c> block then retries the whole activity on a durable timer.
/// </summary>
internal static class SystemCallResilience
{
    /// <summary>Retries after the first attempt; with the delays below, a call that keeps failing fast gives up after some 6 s (the waits' medians).</summary>
    public const int MaxRetries = 6;

    /// <summary>Median first wait; each next one doubles (jittered, so writers that collided on a record do not collide again in step).</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A system that names its own wait is believed up to this long. A longer wait ends the call at once: holding an
    /// activity slot for minutes is worse than the step's retry policy, which waits on a durable timer.
    /// </summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>One attempt, the token included; a system that hangs is left for the next attempt (writes carry their idempotency key).</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The whole call, every attempt and wait: room for one full <see cref="MaxRetryAfter"/> and a few attempts.</summary>
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The breaker of a system opens when at least half of at least 10 attempts within 30 s failed (network, timeout,
    /// 408, 429, 5xx). One call's 7 attempts cannot open it alone; two calls failing through their retries can.
    /// </summary>
    public const double BreakFailureRatio = 0.5;

    public const int BreakMinimumAttempts = 10;

    public static readonly TimeSpan BreakSamplingDuration = TimeSpan.FromSeconds(30);

    /// <summary>While open, calls to that system fail at once without being sent; then one trial call decides.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(15);

    /// <summary>The call a request carries: its system picks the pipeline (and so the breaker); the rest is for logs.</summary>
    internal static readonly HttpRequestOptionsKey<SystemCall> CallKey = new("AgentOps.SystemCall");

    /// <summary>The step identity whose token the request carries.</summary>
    internal static readonly HttpRequestOptionsKey<string> ClientIdKey = new("AgentOps.StepClientId");

    /// <summary>Set on a call of a delegated step: the token handler asks for a token acting for the run's initiator.</summary>
    internal static readonly HttpRequestOptionsKey<Identity.DelegatedCall> DelegationKey = new("AgentOps.DelegatedCall");

    /// <summary>Adds <see cref="SystemClient"/> with its resilience pipeline (one per system) and its token handler.</summary>
    public static IServiceCollection AddSystemClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StepCredentials>();
        services.TryAddTransient<StepTokenHandler>();
        // The pipeline's total timeout ends a call; this one also bounds reading the answer, which HttpClient does
        // after its handlers have returned.
        var client = services.AddHttpClient<SystemClient>(http => http.Timeout = TotalTimeout + AttemptTimeout);
        client.AddResilienceHandler("systems", Configure)
            .SelectPipelineBy(_ => request => request.Options.TryGetValue(CallKey, out var call) ? call.System : string.Empty);
        // Added after the resilience handler, so inside it: it runs once per attempt.
        client.AddHttpMessageHandler<StepTokenHandler>();

        // MCP tools: no retry pipeline (a tools/call is not known to be idempotent), the step's retry policy decides.
        services.TryAddTransient<BoundedAnswerHandler>();
        services.AddHttpClient<McpToolClient>(http => http.Timeout = TotalTimeout).AddHttpMessageHandler<BoundedAnswerHandler>();
        services.TryAddTransient<SystemChecker>();
        return services;
    }

    /// <summary>400, 401, 403 and 404 say the call itself is wrong or not allowed: never retried, and the step is refused.</summary>
    public static bool IsRefusal(HttpStatusCode status) =>
        status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound;

    /// <summary>One pipeline per system (the pipeline's instance name), so one failing system never pauses calls to another.</summary>
    private static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var system = context.InstanceName;
        var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
        var logger = context.ServiceProvider.GetRequiredService<ILogger<SystemClient>>();
        builder.LogThroughLogsOnly(context.ServiceProvider);
        builder
            .AddTimeout(TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstRetryDelay,
                MaxDelay = MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, time)),
                // The system's own wait when it names one (ShouldRetry has already refused one past the cap).
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } answer ? RetryAfter.Of(answer, time) : null),
                OnRetry = args =>
                {
                    var call = args.Context.GetRequestMessage()?.Options.TryGetValue(CallKey, out var sent) == true ? sent : null;
                    logger.SystemCallRetrying(system, call?.Operation ?? "(call)", call?.Path ?? string.Empty, args.AttemptNumber + 1, Describe(args.Outcome), (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = BreakFailureRatio,
                MinimumThroughput = BreakMinimumAttempts,
                SamplingDuration = BreakSamplingDuration,
                BreakDuration = BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsFault(args.Outcome)),
                OnOpened = args =>
                {
                    logger.SystemCircuitOpened(system, (long)args.BreakDuration.TotalSeconds, Describe(args.Outcome));
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    logger.SystemCircuitHalfOpened(system);
                    return default;
                },
                OnClosed = _ =>
                {
                    logger.SystemCircuitClosed(system);
                    return default;
                },
            })
            .AddTimeout(AttemptTimeout);
    }

    /// <summary>
    /// Worth another attempt: network failures, attempts that timed out, and answers that say "not now": 408, 409 (the
    /// record changed under a concurrent write; writes are idempotent by their key, so trying again is safe), 429 and
    /// 5xx, unless the system asks for a longer wait than <see cref="MaxRetryAfter"/>.
    /// </summary>
    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeProvider time) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } answer } => (IsFault(outcome) || answer.StatusCode == HttpStatusCode.Conflict) && !(RetryAfter.Of(answer, time) > MaxRetryAfter),
        _ => false,
    };

    /// <summary>What counts against a system's health: not a 409, which says the record moved, not that the system is ill.</summary>
    private static bool IsFault(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } answer } => answer.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)answer.StatusCode >= 500,
        _ => false,
    };

    private static string Describe(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException timeout } => $"no answer within {timeout.Timeout.TotalSeconds:F0} s",
        { Exception: { } error } => error.Message,
        { Result: { } answer } => $"HTTP {(int)answer.StatusCode}",
        _ => "no outcome",
    };
}

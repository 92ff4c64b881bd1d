using System.Net;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace DurableAgentOps.Runtime.Principals;

/// <summary>
/// How directory look-ups ride out faults: <see cref="PrincipalDirectory"/>'s HttpClient runs each Graph request through a
/// total timeout, brief retries of network failures, timeouts, 408, 429 (after its Retry-After, up to 5 s) and 5xx, and
/// a timeout per attempt. A caller waits on these (an approval, a run start), so they stay short; what still fails is
/// a <see cref="DirectoryUnavailableException"/>.
/// </summary>
internal static class DirectoryResilience
{
    public const int MaxRetries = 2;

    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Graph's Retry-After is believed up to this long; a longer one fails the look-up at once.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The whole request, every attempt and wait.</summary>
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Adds <see cref="PrincipalDirectory"/> with its resilience pipeline.</summary>
    public static IServiceCollection AddPrincipalDirectory(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // The pipeline's total timeout ends a request; this one also bounds reading the answer, after the handlers.
        services.AddHttpClient<PrincipalDirectory>(http => http.Timeout = TotalTimeout + AttemptTimeout)
            // The factory's default handlers log each request's URL, which names the person looked up (users/{upn}).
            .RemoveAllLoggers()
            .AddResilienceHandler("directory", Configure);
        return services;
    }

    private static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
        var logger = context.ServiceProvider.GetRequiredService<ILogger<PrincipalDirectory>>();
        builder.LogThroughLogsOnly(context.ServiceProvider);
        builder
            .AddTimeout(TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, time)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } answer ? RetryAfter.Of(answer, time) : null),
                OnRetry = args =>
                {
                    // No path: it names the person or group looked up.
                    logger.DirectoryRetrying(args.AttemptNumber + 1, Describe(args.Outcome), (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .AddTimeout(AttemptTimeout);
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeProvider time) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } answer } => (answer.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)answer.StatusCode >= 500)
            && !(RetryAfter.Of(answer, time) > MaxRetryAfter),
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

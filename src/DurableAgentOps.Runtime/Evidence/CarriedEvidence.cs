using Azure;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.DependencyInjection;
using Polly.Registry;
using Polly.Retry;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Appends the evidence an activity's input carries (<see cref="ICarriesEvidence"/>) before the activity does its own
/// work, so a run's records reach the ledger without an activity of their own. Idempotent like any append: a retried
/// activity finds its records already there. A storage or signing service that answers late or 5xx is tried again in
/// the activity (<see cref="Pipeline"/>), as the separate append activity was by the engine, so a blip does not fail the
/// step that carries the batch; if the append still fails, the activity fails before it acts (fail closed).
/// </summary>
public sealed class CarriedEvidence(EvidenceLedger ledger, ResiliencePipelineProvider<string> pipelines)
{
    /// <summary>The key of the carried append's resilience pipeline (<see cref="ConfigurePipeline"/>).</summary>
    public const string Pipeline = "evidence-append";

    private static readonly ResiliencePropertyKey<string> RunKey = new("agentops.run");

    public async Task AppendAsync(ICarriesEvidence input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Evidence is not { } batch)
        {
            return;
        }

        var context = ResilienceContextPool.Shared.Get(CancellationToken.None);
        context.Properties.Set(RunKey, batch.RunId);
        try
        {
            await pipelines.GetPipeline(Pipeline).ExecuteAsync(
                static async (ctx, state) => await state.ledger.AppendAsync(
                    state.batch.RunId, state.batch.FirstSeq, state.batch.Entries, state.batch.Final, state.batch.ToLog, state.batch.At, state.batch.Summary, ctx.CancellationToken),
                context, (ledger, batch));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The carried append and its resilience pipeline, as every host registers them.</summary>
    internal static IServiceCollection AddTo(IServiceCollection services)
    {
        services.TryAddSingleton<CarriedEvidence>();
        services.AddResiliencePipeline(Pipeline, ConfigurePipeline);
        return services;
    }

    /// <summary>
    /// Four retries, 1 s doubling to 8 s (about 15 s in all, within an activity's time), of failures that heal: storage
    /// or Key Vault unreachable, 408, 429 or 5xx. A different record at a sequence number, or a missing one, is not
    /// retried: it does not heal.
    /// </summary>
    internal static void ConfigurePipeline(ResiliencePipelineBuilder builder, AddResiliencePipelineContext<string> context)
    {
        var logger = context.ServiceProvider.GetRequiredService<ILogger<CarriedEvidence>>();
        builder.LogThroughLogsOnly(context.ServiceProvider);
        builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(8),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } error && Transient(error)),
            OnRetry = args =>
            {
                logger.EvidenceAppendRetrying(args.Context.Properties.GetValue(RunKey, "?"), args.AttemptNumber + 1,
                    args.Outcome.Exception is RequestFailedException failed ? $"{failed.GetType().Name} status {failed.Status}" : args.Outcome.Exception!.GetType().Name,
                    (long)args.RetryDelay.TotalMilliseconds);
                return default;
            },
        });
    }

    /// <summary>True for a failure that may heal: no answer, 408, 429 or 5xx, here or in what it wraps.</summary>
    internal static bool Transient(Exception? error) => error switch
    {
        null => false,
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or TimeoutException or System.Net.Sockets.SocketException or IOException => true,
        AggregateException many => many.InnerExceptions.Any(Transient),
        _ => Transient(error.InnerException),
    };
}

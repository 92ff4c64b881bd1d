using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;

namespace DurableAgentOps.Runtime.Diagnostics;

/// <summary>
/// Our resilience pipelines log their retries and breaker changes through <see cref="Logs"/> from their own callbacks,
/// not through Polly's logger: that one writes each failed attempt's exception text verbatim (a server's reply can
/// quote what it was sent, an SMTP password among it) under event ids of its own. Polly's metrics stay on.
/// </summary>
internal static class ResilienceLogging
{
    public static void LogThroughLogsOnly(this ResiliencePipelineBuilderBase builder, IServiceProvider services)
    {
        var registered = services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        builder.ConfigureTelemetry(new TelemetryOptions(registered) { LoggerFactory = NullLoggerFactory.Instance });
    }
}

using Azure.Monitor.OpenTelemetry.Exporter;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DurableAgentOps.Api.Telemetry;

/// <summary>
/// OpenTelemetry for either host (docs/ARCHITECTURE.md, "Telemetry"): the Runtime's source and meter, the durable
/// engine's sources, ASP.NET Core's requests, the scrubber before any exporter, and the exporters the settings name.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    public static OpenTelemetryBuilder AddAgentOpsTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section))
            .PostConfigure(o => o.Fill(configuration)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());

        // Exporters are chosen now, from the same settings the validator checks as the host starts.
        var settings = TelemetryOptions.Read(configuration);
        var valid = new TelemetryOptionsValidator().Validate(null, settings).Succeeded;
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrEmpty(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(serviceName);
                }
            })
            .WithTracing(tracing =>
            {
                // First: every exporter after it sees the scrubbed span.
                tracing.AddProcessor(new TelemetryScrubber())
                    .AddSource(RuntimeTelemetry.SourceName)
                    .AddSource([.. RuntimeTelemetry.DurableTaskSourceNames])
                    .AddAspNetCoreInstrumentation(o => o.RecordException = false);
                if (valid && settings.OtlpEndpoint is not null)
                {
                    tracing.AddOtlpExporter(); // it reads OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _HEADERS itself
                }

                if (settings.Console)
                {
                    tracing.AddConsoleExporter();
                }

                if (valid && settings.ApplicationInsights is { } connection)
                {
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = connection);
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RuntimeTelemetry.MeterName).AddAspNetCoreInstrumentation();
                if (valid && settings.OtlpEndpoint is not null)
                {
                    metrics.AddOtlpExporter();
                }

                if (settings.Console)
                {
                    metrics.AddConsoleExporter();
                }

                if (valid && settings.ApplicationInsights is { } connection)
                {
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = connection);
                }
            });
        return builder;
    }
}

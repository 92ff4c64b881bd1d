using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Telemetry;

/// <summary>
/// Where traces and metrics go (section <c>AgentOps:Telemetry</c>, plus OpenTelemetry's and Application Insights' own
/// variables, read as they are named): OTLP when <see cref="OtlpEndpointSetting"/> is set, Azure Monitor when
/// <see cref="ApplicationInsightsSetting"/> is set, the console when <see cref="Console"/>; none of them, nothing leaves.
/// </summary>
internal sealed class TelemetryOptions
{
    public const string Section = "AgentOps:Telemetry";

    /// <summary>The OTLP endpoint; the exporter reads the rest of its <c>OTEL_EXPORTER_OTLP_*</c> variables itself.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The Application Insights resource's connection string (set by Azure on a Functions app with one).</summary>
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Each span and, every minute, the metrics written to the host's standard output: the demo's view.</summary>
    public bool Console { get; set; }

    /// <summary>From <see cref="OtlpEndpointSetting"/>.</summary>
    public string? OtlpEndpoint { get; private set; }

    /// <summary>From <see cref="ApplicationInsightsSetting"/>; it holds the resource's key, so it is never quoted.</summary>
    public string? ApplicationInsights { get; private set; }

    public static TelemetryOptions Read(IConfiguration configuration)
    {
        var options = new TelemetryOptions();
        configuration.GetSection(Section).Bind(options);
        options.Fill(configuration);
        return options;
    }

    /// <summary>Copies the exporters' own variables, which are not under <see cref="Section"/>.</summary>
    public void Fill(IConfiguration configuration)
    {
        OtlpEndpoint = NullIfEmpty(configuration[OtlpEndpointSetting]);
        ApplicationInsights = NullIfEmpty(configuration[ApplicationInsightsSetting]);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Refuses, as the host starts, an exporter setting the exporter would only fail on later.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.OtlpEndpoint is { } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query)))
        {
            problems.Add($"{TelemetryOptions.OtlpEndpointSetting} must be an absolute http or https URL with no query (the OTLP collector)");
        }

        if (options.ApplicationInsights is { } connection && !connection.Contains("InstrumentationKey=", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{TelemetryOptions.ApplicationInsightsSetting} must be an Application Insights connection string (with InstrumentationKey=); its value is not shown");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

using DurableAgentOps.Api.Approvals;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Api.Telemetry;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api;

/// <summary>The Api's one composition root: what its endpoints need on either host.</summary>
public static class AgentOpsApiServiceCollectionExtensions
{
    /// <summary>
    /// Caller authentication (bearer tokens, the system key, the pages' sign-in), rate limits, problem details, the public
    /// URL, and OpenTelemetry with the exporters the settings name (the service is named after the host's entry assembly).
    /// </summary>
    public static IServiceCollection AddAgentOpsApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageOutage>();
        services.AddOptions<PublicUrlOptions>().Bind(configuration.GetSection(PublicUrlOptions.Section));
        services.AddAgentOpsAuthentication(configuration);
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>());
        services.AddSingleton<ApiRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ApiRateLimiter>((o, limiter) =>
        {
            o.GlobalLimiter = limiter.Global;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = limiter.OnRejectedAsync;
        });
        services.AddScoped<ApprovalPage>();
        services.AddSingleton<EndpointInvoker>();
        services.AddAgentOpsTelemetry(configuration, System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "DurableAgentOps");
        return services;
    }

    /// <summary>
    /// The request pipeline the endpoints rely on: every answer has a body (storage out of reach is a 503 with Retry-After,
    /// <see cref="StorageOutage"/>; an unexpected error is a 500 problem, no stack, no server path; an unmatched route or a
    /// bad binding a 4xx problem), then callers are authenticated, the rate limited routes counted per caller or address
    /// (<see cref="ApiRateLimiter"/>), and every endpoint but those marked anonymous needs a verified caller.
    /// </summary>
    public static IApplicationBuilder UseAgentOpsApi(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }
}

using DurableAgentOps.Api.Approvals;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Api;

/// <summary>The Api's one composition root: what its endpoints need on either host.</summary>
public static class AgentOpsApiServiceCollectionExtensions
{
    /// <summary>Caller authentication (bearer tokens, the system key, the pages' sign-in), problem details and the public URL.</summary>
    public static IServiceCollection AddAgentOpsApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageOutage>();
        services.AddOptions<PublicUrlOptions>().Bind(configuration.GetSection(PublicUrlOptions.Section));
        services.AddAgentOpsAuthentication(configuration);
        services.AddScoped<ApprovalPage>();
        services.AddSingleton<EndpointInvoker>();
        return services;
    }

    /// <summary>
    /// The request pipeline the endpoints rely on: every answer has a body (storage out of reach is a 503 with Retry-After,
    /// <see cref="StorageOutage"/>; an unexpected error is a 500 problem, no stack, no server path; an unmatched route or a bad binding a 4xx problem), then callers are authenticated and
    /// every endpoint but those marked anonymous needs a verified caller.
    /// </summary>
    public static IApplicationBuilder UseAgentOpsApi(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}

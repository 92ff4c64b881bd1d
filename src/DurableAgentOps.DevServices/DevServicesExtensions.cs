using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.Storage;
using DurableAgentOps.DevServices.Systems;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices;

/// <summary>
/// Hosts the dev identity endpoint and the sample systems in any ASP.NET Core app (the DevServices process, or a
/// test host). Both read <see cref="DevServicesOptions"/>; a catalogue, settings or storage problem fails start-up.
/// </summary>
public static class DevServicesExtensions
{
    /// <summary>The managed-identity token endpoint, OpenID metadata and JWKS.</summary>
    public static IServiceCollection AddDevIdentityEndpoint(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure = null)
    {
        services.AddDevServicesCore(configuration, configure);
        services.TryAddSingleton(sp => IdentityDirectory.Load(sp.GetRequiredService<IOptions<DevServicesOptions>>()));
        services.TryAddSingleton<IdentityHeaderSecret>();
        services.TryAddSingleton<TokenIssuer>();
        services.TryAddSingleton<TokenRequestCounter>();
        return services;
    }

    /// <summary>The sample CRM, support desk and finance system on Azure Tables, trusting the dev issuer's key.</summary>
    public static IServiceCollection AddSampleSystems(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure = null)
    {
        services.AddDevServicesCore(configuration, configure);
        services.TryAddSingleton<SampleTables>();
        services.TryAddSingleton<TokenValidator>();
        services.TryAddSingleton<RequestLog>();
        services.TryAddSingleton<FaultInjector>();
        services.TryAddSingleton<IdempotentWrites>();
        return services;
    }

    /// <summary>GET /msi/token, /.well-known/openid-configuration, /.well-known/jwks.json, /_dev/token-requests.</summary>
    public static IEndpointRouteBuilder MapDevIdentityEndpoint(this IEndpointRouteBuilder endpoints)
    {
        IdentityEndpoint.Map(endpoints);
        return endpoints;
    }

    /// <summary>/crm, /support, /finance, and the dev-only /_dev/requests and /_dev/faults.</summary>
    public static IEndpointRouteBuilder MapSampleSystems(this IEndpointRouteBuilder endpoints)
    {
        CrmApi.Map(endpoints);
        SupportApi.Map(endpoints);
        FinanceApi.Map(endpoints);
        DevEndpoints.Map(endpoints);
        return endpoints;
    }

    private static void AddDevServicesCore(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure)
    {
        var options = services.AddOptions<DevServicesOptions>();
        if (!services.Any(d => d.ServiceType == typeof(SigningKey)))
        {
            options.Bind(configuration.GetSection(DevServicesOptions.Section)).Configure(o =>
            {
                if (configuration["AzureWebJobsStorage"] is { Length: > 0 } storage)
                {
                    o.StorageConnectionString = storage;
                }
            });
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DevServicesOptions>, DevServicesOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<SigningKey>();
            services.AddHostedService<DevServicesStartup>();
        }

        // After binding, so code wins over configuration.
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }
}

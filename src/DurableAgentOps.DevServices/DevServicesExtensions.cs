using DurableAgentOps.DevServices.Graph;
using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.SignIn;
using DurableAgentOps.DevServices.Storage;
using DurableAgentOps.DevServices.Systems;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices;

/// <summary>
/// Hosts the dev identity endpoint, the dev sign-in provider, the Graph-shaped directory and the sample systems in
/// any ASP.NET Core app (the DevServices process, or a test host). All read <see cref="DevServicesOptions"/>; a
/// settings, catalogue, directory or storage problem fails start-up.
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

    /// <summary>The dev sign-in provider for the people of the dev directory, with its own signing key.</summary>
    public static IServiceCollection AddDevSignIn(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure = null)
    {
        services.AddDevDirectory(configuration, configure);
        services.TryAddKeyedSingleton<SigningKey>(SigningKey.SignInKey);
        services.TryAddSingleton<AuthorizationCodes>();
        services.TryAddSingleton<PersonTokenIssuer>();
        return services;
    }

    /// <summary>The Graph-shaped directory (users, group members), trusting the workload identity endpoint's key.</summary>
    public static IServiceCollection AddDevGraph(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure = null)
    {
        services.AddDevDirectory(configuration, configure);
        services.TryAddSingleton<TokenValidator>();
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
        services.AddServiceDeskMcp();
        return services;
    }

    /// <summary>GET /msi/token, /.well-known/openid-configuration, /.well-known/jwks.json, /_dev/token-requests.</summary>
    public static IEndpointRouteBuilder MapDevIdentityEndpoint(this IEndpointRouteBuilder endpoints)
    {
        IdentityEndpoint.Map(endpoints);
        return endpoints;
    }

    /// <summary>/signin/* (discovery, keys, authorize, token, logout) and the dev-only POST /_dev/signin/tokens.</summary>
    public static IEndpointRouteBuilder MapDevSignIn(this IEndpointRouteBuilder endpoints)
    {
        SignInEndpoints.Map(endpoints);
        return endpoints;
    }

    /// <summary>/graph/v1.0/users/{id}, /users/{id}/transitiveMemberOf, /groups/{id}/transitiveMembers.</summary>
    public static IEndpointRouteBuilder MapDevGraph(this IEndpointRouteBuilder endpoints)
    {
        GraphApi.Map(endpoints);
        return endpoints;
    }

    /// <summary>/crm, /support, /servicedesk/mcp (MCP), /finance, and the dev-only /_dev/requests and /_dev/faults.</summary>
    public static IEndpointRouteBuilder MapSampleSystems(this IEndpointRouteBuilder endpoints)
    {
        CrmApi.Map(endpoints);
        SupportApi.Map(endpoints);
        ServiceDeskMcp.Map(endpoints);
        FinanceApi.Map(endpoints);
        DevEndpoints.Map(endpoints);
        return endpoints;
    }

    /// <summary>The people and clients of directory.yaml, whose groups come from the identity catalogue.</summary>
    private static void AddDevDirectory(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure)
    {
        services.AddDevServicesCore(configuration, configure);
        services.TryAddSingleton(sp => IdentityDirectory.Load(sp.GetRequiredService<IOptions<DevServicesOptions>>()));
        services.TryAddSingleton(sp =>
        {
            var catalogue = sp.GetRequiredService<IdentityDirectory>();
            var path = DirectoryFile.ResolvePath(sp.GetRequiredService<IOptions<DevServicesOptions>>().Value.Directory);
            return DirectoryFile.Load(path, catalogue.Catalogue, catalogue.File);
        });
    }

    private static void AddDevServicesCore(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure)
    {
        var options = services.AddOptions<DevServicesOptions>();
        if (!services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(SigningKey)))
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

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
        services.TryAddSingleton<SessionRevocations>();
        services.TryAddSingleton<RefreshTokens>();
        services.TryAddSingleton<TokenRequestCounter>();
        services.TryAddSingleton<DelegatedGrants>();
        return services;
    }

    /// <summary>The Graph-shaped directory (users, group members), trusting the workload identity endpoint's key.</summary>
    public static IServiceCollection AddDevGraph(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure = null)
    {
        services.AddDevDirectory(configuration, configure);
        services.TryAddKeyedSingleton<SigningKey>(SigningKey.SignInKey);
        services.TryAddSingleton<SessionRevocations>();
        services.TryAddSingleton<TokenValidator>();
        return services;
    }

    /// <summary>The sample CRM, support desk and finance system on Azure Tables, trusting the dev issuer's key.</summary>
    public static IServiceCollection AddSampleSystems(this IServiceCollection services, IConfiguration configuration, Action<DevServicesOptions>? configure = null)
    {
        services.AddDevDirectory(configuration, configure);
        services.TryAddKeyedSingleton<SigningKey>(SigningKey.SignInKey);
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

    /// <summary>
    /// /signin/* (discovery, keys, authorize, token, logout), the Entra-shaped /{tenant}/oauth2/v2.0/token and
    /// /{tenant}/v2.0/.well-known/openid-configuration, and the dev-only POST /_dev/signin/tokens,
    /// POST /_dev/people/{upn}/revoke and GET/POST /_dev/clock.
    /// </summary>
    public static IEndpointRouteBuilder MapDevSignIn(this IEndpointRouteBuilder endpoints)
    {
        SignInEndpoints.Map(endpoints);
        return endpoints;
    }

    /// <summary>/graph/v1.0/users/{id}, /users/{id}/transitiveMemberOf, /groups/{id}/transitiveMembers, POST /users/{id}/revokeSignInSessions.</summary>
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

    /// <summary>
    /// Listens on <paramref name="httpUrls"/> and, when <c>DevServices:TlsPort</c> is set, also on
    /// https://localhost:&lt;TlsPort&gt; with the dev certificate (<c>DevServices:TlsDirectory</c>), so every route is
    /// served on both.
    /// </summary>
    public static IWebHostBuilder UseDevServicesUrls(this IWebHostBuilder webHost, IConfiguration configuration, string httpUrls)
    {
        var port = configuration.GetValue<int>($"{DevServicesOptions.Section}:{nameof(DevServicesOptions.TlsPort)}");
        if (port <= 0)
        {
            return webHost.UseUrls(httpUrls);
        }

        if (port > 65535)
        {
            throw DevServicesStartupException.Configuration($"{DevServicesOptions.Section}:TlsPort must be 0 (no HTTPS listener) or a port 1-65535, not {port}");
        }

        var directory = TlsCertificate.ResolveDirectory(configuration[$"{DevServicesOptions.Section}:{nameof(DevServicesOptions.TlsDirectory)}"]);
        var certificate = TlsCertificate.LoadOrCreate(directory, TimeProvider.System);
        return webHost
            .UseUrls($"{httpUrls};https://localhost:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
            .ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
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
            services.TryAddSingleton(_ => new DevClock(TimeProvider.System));
            services.TryAddSingleton<TimeProvider>(sp => sp.GetRequiredService<DevClock>());
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

using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.Storage;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices;

/// <summary>
/// Before the server takes requests: check settings, load the catalogue, publish the identity header file, probe
/// storage (failing in seconds, naming the endpoint) and seed the sample systems.
/// </summary>
internal sealed partial class DevServicesStartup(IServiceProvider services, IOptions<DevServicesOptions> options, ILogger<DevServicesStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (services.GetService<IdentityDirectory>() is { } directory)
        {
            _ = services.GetRequiredService<IdentityHeaderSecret>();
            LogIdentityEndpoint(logger, settings.Issuer, directory.File, directory.Identities.Count);
            if (string.IsNullOrEmpty(settings.IdentityHeader) && string.IsNullOrEmpty(settings.IdentityHeaderFile))
            {
                LogNoWayToLearnHeader(logger);
            }
        }

        if (services.GetService<SampleTables>() is { } tables)
        {
            if (await StorageProbe.CheckAsync(settings.StorageConnectionString, StorageProbe.Timeout, cancellationToken) is { } problem)
            {
                throw new DevServicesStartupException(problem);
            }

            await SeedData.SeedAsync(tables, cancellationToken);
            LogSampleSystems(logger, tables.Endpoint, settings.TablePrefix);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Information, "Dev identity endpoint: issuer {Issuer}, catalogue {Catalogue} ({Count} identities with a local client id)")]
    private static partial void LogIdentityEndpoint(ILogger logger, string issuer, string catalogue, int count);

    [LoggerMessage(3, LogLevel.Warning, "The identity header is random and written nowhere: no client can get a token. Set DevServices:IdentityHeader or DevServices:IdentityHeaderFile")]
    private static partial void LogNoWayToLearnHeader(ILogger logger);

    [LoggerMessage(2, LogLevel.Information, "Sample systems seeded: tables {TablePrefix}crm*/support*/finance* at {Endpoint}")]
    private static partial void LogSampleSystems(ILogger logger, Uri endpoint, string tablePrefix);
}

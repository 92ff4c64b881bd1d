using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Storage;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices;

/// <summary>
/// Before the server takes requests: check settings, load the catalogue and the dev directory, publish the identity
/// header file, probe storage (failing in seconds, naming the endpoint) and seed the sample systems.
/// </summary>
internal sealed class DevServicesStartup(IServiceProvider services, IOptions<DevServicesOptions> options, ILogger<DevServicesStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // The header secret is the identity endpoint's own; the catalogue alone is also loaded for sign-in and Graph.
        if (services.GetService<IdentityHeaderSecret>() is not null)
        {
            var directory = services.GetRequiredService<IdentityDirectory>();
            logger.IdentityEndpointReady(settings.Issuer, directory.File, directory.Identities.Count);
            if (string.IsNullOrEmpty(settings.IdentityHeader) && string.IsNullOrEmpty(settings.IdentityHeaderFile))
            {
                logger.NoWayToLearnIdentityHeader();
            }
        }

        if (services.GetService<DevDirectory>() is { } people)
        {
            logger.SignInReady(settings.SignInIssuer, people.File, people.People.Count, people.Clients.Count, string.Join(", ", settings.DirectoryReaders));
        }

        if (settings.TlsPort > 0)
        {
            logger.TlsListenerReady(settings.TlsPort, Path.Combine(TlsCertificate.ResolveDirectory(settings.TlsDirectory), TlsCertificate.BundleFile));
        }

        if (services.GetService<SampleTables>() is { } tables)
        {
            if (await StorageProbe.CheckAsync(settings.StorageConnectionString, StorageProbe.Timeout, cancellationToken) is { } problem)
            {
                throw new DevServicesStartupException(problem);
            }

            await SeedData.SeedAsync(tables, cancellationToken);
            logger.SampleSystemsSeeded(tables.Endpoint, settings.TablePrefix);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

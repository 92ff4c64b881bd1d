using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>Where each system is and which token audience (resource) it expects.</summary>
public sealed class SystemsOptions
{
    public const string Section = "AgentOps:Systems";

    /// <summary>Per system name: base URL and resource; what a system's entry leaves out comes from the defaults below.</summary>
    public Dictionary<string, SystemEndpoint> Endpoints { get; } = new(StringComparer.Ordinal);

    public Uri DefaultBaseUrl { get; set; } = new("http://127.0.0.1:7080");

    public string ResourcePrefix { get; set; } = "api://durableagentops/";

    /// <summary>
    /// Where <paramref name="system"/> is and its token audience: a configured resource wins (an environment may differ),
    /// then the one its declaration names, then <see cref="ResourcePrefix"/> + the system's name.
    /// </summary>
    public SystemAddress For(string system, string? declaredResource = null)
    {
        var listed = Endpoints.GetValueOrDefault(system);
        var resource = !string.IsNullOrEmpty(listed?.Resource) ? listed.Resource
            : !string.IsNullOrEmpty(declaredResource) ? declaredResource
            : ResourcePrefix + system;
        return new SystemAddress(listed?.BaseUrl ?? DefaultBaseUrl, resource);
    }
}

/// <summary>Where a system is and the token audience it expects, defaults applied.</summary>
public sealed record SystemAddress(Uri BaseUrl, string Resource);

/// <summary>One system's settings as configured; what is left out takes the default (see <see cref="SystemsOptions.For"/>).</summary>
public sealed class SystemEndpoint
{
    public Uri? BaseUrl { get; set; }

    public string? Resource { get; set; }
}

/// <summary>
/// Tokens for step identities: one <see cref="ManagedIdentityCredential"/> per user-assigned client id, created once
/// and reused, so Azure.Identity's token cache means one token request per identity and resource per token lifetime.
/// </summary>
public sealed class StepCredentials(IOptions<SystemsOptions> systems, DelegatedTokens? delegatedTokens = null)
{
    private readonly ConcurrentDictionary<string, TokenCredential> credentials = new(StringComparer.OrdinalIgnoreCase);

    public TokenCredential For(string clientId) =>
        credentials.GetOrAdd(clientId, id => new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(id)));

    /// <summary>
    /// The step's token for one call: its managed identity's, or, for a delegated step (<paramref name="delegated"/>),
    /// one acting for the run's initiator through the on-behalf-of session; a delegated call never falls back to an
    /// identity of its own.
    /// </summary>
    public async Task<AccessToken> GetTokenAsync(string clientId, string system, CancellationToken cancellationToken, string? declaredResource = null, DelegatedCall? delegated = null)
    {
        var resource = systems.Value.For(system, declaredResource).Resource;
        if (Core.Model.PlatformAudiences.IsPlatform(resource))
        {
            // A setting can name an audience validate never saw; the token would act on the platform, not on the system.
            throw new StepRefusedException($"system '{system}' is configured with the audience '{resource}', an audience of the Azure platform itself: no step token is issued for it");
        }

        return delegated is not null
            ? await (delegatedTokens ?? throw new StepRefusedException($"identity {delegated.Identity.Name} acts for a person, and this process cannot act for anyone: nothing was sent"))
                .GetTokenAsync(delegated, system, declaredResource, cancellationToken)
            : await For(clientId).GetTokenAsync(new TokenRequestContext([resource + "/.default"]), cancellationToken);
    }
}

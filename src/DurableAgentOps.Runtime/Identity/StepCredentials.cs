using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>Where each system is and which token audience (resource) it expects.</summary>
public sealed class SystemsOptions
{
    public const string Section = "AgentOps:Systems";

    /// <summary>Per system name: base URL and resource. Unlisted systems use the defaults below.</summary>
    public Dictionary<string, SystemEndpoint> Endpoints { get; } = new(StringComparer.Ordinal);

    public Uri DefaultBaseUrl { get; set; } = new("http://127.0.0.1:7080");

    public string ResourcePrefix { get; set; } = "api://durableagentops/";

    public SystemEndpoint For(string system) => Endpoints.TryGetValue(system, out var endpoint)
        ? endpoint
        : new SystemEndpoint { BaseUrl = DefaultBaseUrl, Resource = ResourcePrefix + system };
}

public sealed class SystemEndpoint
{
    public Uri BaseUrl { get; set; } = new("http://127.0.0.1:7080");

    public string Resource { get; set; } = string.Empty;
}

/// <summary>
/// Tokens for step identities: one <see cref="ManagedIdentityCredential"/> per user-assigned client id, created once
/// and reused, so Azure.Identity's token cache means one token request per identity and resource per token lifetime.
/// </summary>
public sealed class StepCredentials(IOptions<SystemsOptions> systems)
{
    private readonly ConcurrentDictionary<string, TokenCredential> credentials = new(StringComparer.OrdinalIgnoreCase);

    public TokenCredential For(string clientId) =>
        credentials.GetOrAdd(clientId, id => new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(id)));

    public async Task<AccessToken> GetTokenAsync(string clientId, string system, CancellationToken cancellationToken)
    {
        var resource = systems.Value.For(system).Resource;
        return await For(clientId).GetTokenAsync(new TokenRequestContext([resource + "/.default"]), cancellationToken);
    }
}

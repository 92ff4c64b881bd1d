using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>What a token says an identity may do in one system, in the short form the systems check.</summary>
internal sealed record SystemAccess(
    IReadOnlyList<string> Roles,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Records,
    IReadOnlyList<string> Fields);

/// <summary>A catalogue identity reachable through its <c>local</c> client id.</summary>
internal sealed record LocalIdentity(string Name, string ClientId, IdentityDefinition Definition)
{
    /// <summary>Roles are the grant's operations without the system prefix (crm.accounts.read -> accounts.read).</summary>
    public SystemAccess AccessTo(string system)
    {
        var grant = Definition.GrantFor(system);
        if (grant is null)
        {
            return new SystemAccess([], new Dictionary<string, IReadOnlyList<string>>(), []);
        }

        var prefix = system + ".";
        var roles = grant.Operations.Select(o => o.StartsWith(prefix, StringComparison.Ordinal) ? o[prefix.Length..] : o).ToList();
        return new SystemAccess(roles, grant.Records, grant.Fields);
    }
}

/// <summary>The identity catalogue the endpoint issues tokens from, indexed by local client id.</summary>
internal sealed class IdentityDirectory
{
    public const string LocalEnvironment = "local";

    private readonly Dictionary<string, LocalIdentity> byClientId;
    private readonly HashSet<string> systems;

    private IdentityDirectory(string file, IdentityCatalogue catalogue)
    {
        File = file;
        Catalogue = catalogue;
        systems = catalogue.Systems.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        byClientId = new Dictionary<string, LocalIdentity>(StringComparer.OrdinalIgnoreCase);
        foreach (var identity in catalogue.Identities)
        {
            if (identity.ClientIds.TryGetValue(LocalEnvironment, out var clientId) && !string.IsNullOrWhiteSpace(clientId))
            {
                byClientId[clientId] = new LocalIdentity(identity.Name, clientId, identity);
            }
        }
    }

    public string File { get; }

    /// <summary>The whole catalogue; the dev directory resolves its people's groups here.</summary>
    public IdentityCatalogue Catalogue { get; }

    public IReadOnlyCollection<LocalIdentity> Identities => byClientId.Values;

    public bool IsSystem(string name) => systems.Contains(name);

    public LocalIdentity? Find(string? clientId) =>
        clientId is not null && byClientId.TryGetValue(clientId, out var identity) ? identity : null;

    public static IdentityDirectory Load(IOptions<DevServicesOptions> options)
    {
        var path = ResolvePath(options.Value.Catalogue);
        var loaded = WorkflowLoader.LoadCatalogue(path);
        if (!loaded.Exists || loaded.HasErrors)
        {
            var errors = string.Join("; ", loaded.Findings.Where(f => f.IsError).Select(f => f.ToString()));
            throw DevServicesStartupException.Configuration($"identity catalogue {path} is unusable: {errors}");
        }

        return new IdentityDirectory(path, loaded.Catalogue);
    }

    /// <summary>An explicit path wins; otherwise workflows/identities.yaml above the working directory, then above the app.</summary>
    private static string ResolvePath(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        return AppFiles.Find(AppFiles.CataloguePath) ?? throw DevServicesStartupException.Configuration(
            $"no {AppFiles.CataloguePath} found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; set {DevServicesOptions.Section}:Catalogue");
    }
}

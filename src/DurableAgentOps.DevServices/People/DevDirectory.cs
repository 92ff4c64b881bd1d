namespace DurableAgentOps.DevServices.People;

/// <summary>
/// The dev directory (directory.yaml): the tenant, its people and sign-in clients, and the catalogue's groups that
/// have a local object id. Read once at start; immutable after.
/// </summary>
internal sealed class DevDirectory
{
    private readonly Dictionary<string, DevPerson> byName;
    private readonly Dictionary<string, DevPerson> byId;
    private readonly Dictionary<string, DevClient> clients;
    private readonly Dictionary<string, DevGroup> groups;

    public DevDirectory(
        string file, string tenantId, IReadOnlyList<DevPerson> people, IReadOnlyList<DevClient> clients, IReadOnlyList<DevGroup> groups,
        IReadOnlyList<DevDelegatingApp>? delegatingApps = null)
    {
        DelegatingApps = delegatingApps ?? [];
        File = file;
        TenantId = tenantId;
        People = people;
        Clients = clients;

        // Ignoring case is the only leniency: the comparison is ordinal, so a Cyrillic 'а' never matches a Latin 'a'.
        byName = people.ToDictionary(p => p.UserPrincipalName, StringComparer.OrdinalIgnoreCase);
        byId = people.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
        this.clients = clients.ToDictionary(c => c.ClientId, StringComparer.Ordinal);
        this.groups = groups.ToDictionary(g => g.ObjectId, StringComparer.OrdinalIgnoreCase);
    }

    public string File { get; }

    public string TenantId { get; }

    public IReadOnlyList<DevPerson> People { get; }

    public IReadOnlyList<DevClient> Clients { get; }

    /// <summary>The apps that act for people through the on-behalf-of flow.</summary>
    public IReadOnlyList<DevDelegatingApp> DelegatingApps { get; }

    public DevDelegatingApp? FindDelegatingApp(string? clientId) =>
        clientId is null ? null : DelegatingApps.FirstOrDefault(a => string.Equals(a.ClientId, clientId, StringComparison.OrdinalIgnoreCase));

    /// <summary>The delegating app whose federated credential is the managed identity <paramref name="clientId"/>.</summary>
    public DevDelegatingApp? FederatedBy(string? clientId) =>
        clientId is null ? null : DelegatingApps.FirstOrDefault(a => string.Equals(a.FederatedIdentity, clientId, StringComparison.OrdinalIgnoreCase));

    /// <summary>A person by object id or by user principal name.</summary>
    public DevPerson? FindPerson(string? idOrName) =>
        idOrName is null ? null
            : byId.TryGetValue(idOrName, out var person) || byName.TryGetValue(idOrName, out person) ? person : null;

    public DevClient? FindClient(string? clientId) =>
        clientId is not null && clients.TryGetValue(clientId, out var client) ? client : null;

    public DevGroup? FindGroup(string? objectId) =>
        objectId is not null && groups.TryGetValue(objectId, out var group) ? group : null;

    /// <summary>Everyone in the group, in directory order (groups do not nest here, so direct is transitive).</summary>
    public IEnumerable<DevPerson> MembersOf(DevGroup group) =>
        People.Where(p => p.Groups.Any(g => string.Equals(g.ObjectId, group.ObjectId, StringComparison.OrdinalIgnoreCase)));
}

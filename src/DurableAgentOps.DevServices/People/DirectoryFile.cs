using System.Globalization;
using DurableAgentOps.Core.Model;
using DurableAgentOps.DevServices.Shared;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DurableAgentOps.DevServices.People;

/// <summary>
/// Reads directory.yaml. Every problem is collected with its line and column, and start-up fails with all of them
/// at once (exit code 2), naming the file; a person's group must be a catalogue group with a local object id.
/// </summary>
internal sealed class DirectoryFile
{
    public const string FileName = "directory.yaml";

    private static readonly HashSet<string> TopKeys = ["tenantId", "people", "clients", "delegatingApps"];
    private static readonly HashSet<string> AppKeys = ["clientId", "identifierUri", "federatedIdentity", "permissions"];
    private static readonly HashSet<string> PersonKeys = ["id", "name", "roles", "groups"];
    private static readonly HashSet<string> ClientKeys = ["description", "redirectUris"];

    private readonly string file;
    private readonly IdentityCatalogue catalogue;
    private readonly string cataloguePath;
    private readonly List<string> problems = [];

    private DirectoryFile(string file, IdentityCatalogue catalogue, string cataloguePath)
    {
        this.file = file;
        this.catalogue = catalogue;
        this.cataloguePath = cataloguePath;
    }

    /// <summary>The configured path (relative to the working directory), else directory.yaml next to the app.</summary>
    public static string ResolvePath(string? configured) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? Path.Combine(AppContext.BaseDirectory, FileName) : configured);

    public static DevDirectory Load(string path, IdentityCatalogue catalogue, string cataloguePath)
    {
        if (!File.Exists(path))
        {
            throw DevServicesStartupException.Configuration($"dev directory {path} does not exist; set {DevServicesOptions.Section}:Directory");
        }

        return Parse(File.ReadAllText(path), path, catalogue, cataloguePath);
    }

    public static DevDirectory Parse(string text, string path, IdentityCatalogue catalogue, string cataloguePath)
    {
        var reader = new DirectoryFile(path, catalogue, cataloguePath);
        var directory = reader.Read(text);
        if (reader.problems.Count > 0 || directory is null)
        {
            throw DevServicesStartupException.Configuration($"dev directory {path} is unusable: {string.Join("; ", reader.problems)}");
        }

        return directory;
    }

    private DevDirectory? Read(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            // YamlDotNet's message is about the syntax (and duplicate keys); the file holds no secrets.
            Problem(ex.Start, $"YAML error: {ex.Message}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, on some malformed flow lists ([a, b).
            problems.Add($"{file}: YAML error: malformed YAML (check brackets and quotes)");
            return null;
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add($"{file}: the file must be one mapping with tenantId, people and clients");
            return null;
        }

        var top = Entries(root, TopKeys, "the file");
        var tenantId = top.TryGetValue("tenantId", out var tenant) ? GuidText(tenant, "tenantId") : null;
        if (tenant is null)
        {
            Problem(root.Start, "tenantId is required");
        }

        var groups = CatalogueGroups();
        var people = top.TryGetValue("people", out var peopleNode) ? ReadPeople(peopleNode, groups) : [];
        var clients = top.TryGetValue("clients", out var clientsNode) ? ReadClients(clientsNode) : [];
        var apps = top.TryGetValue("delegatingApps", out var appsNode) ? ReadDelegatingApps(appsNode) : [];
        if (people.Count == 0)
        {
            Problem(peopleNode?.Start ?? root.Start, "people must list at least one person");
        }

        if (clients.Count == 0)
        {
            Problem(clientsNode?.Start ?? root.Start, "clients must list at least one client");
        }

        return problems.Count > 0 ? null : new DevDirectory(file, tenantId!, people, clients, [.. groups.Values.OfType<DevGroup>()], apps);
    }

    /// <summary>The catalogue's groups by name; null for one without a local object id (it cannot be used here).</summary>
    private Dictionary<string, DevGroup?> CatalogueGroups() =>
        catalogue.Groups.ToDictionary(
            g => g.Name,
            g => g.ObjectIds.TryGetValue(IdentityCatalogue.LocalEnvironment, out var id) && !string.IsNullOrWhiteSpace(id) ? new DevGroup(g.Name, id, g.Description) : null,
            StringComparer.Ordinal);

    private List<DevPerson> ReadPeople(YamlNode node, Dictionary<string, DevGroup?> groups)
    {
        var people = new List<DevPerson>();
        if (Mapping(node, "people") is not { } map)
        {
            return people;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (keyNode, value) in map.Children)
        {
            var upn = Scalar(keyNode, "a person's user principal name");
            if (upn is null)
            {
                continue;
            }

            var what = $"person '{upn}'";
            if (!IsUserPrincipalName(upn))
            {
                Problem(keyNode.Start, $"{what}: a user principal name is name@domain, without spaces");
            }
            else if (!names.Add(upn))
            {
                Problem(keyNode.Start, $"{what} is listed twice (names are compared ignoring case)");
            }

            if (Mapping(value, what) is not { } personNode)
            {
                continue;
            }

            var fields = Entries(personNode, PersonKeys, what);
            var id = fields.TryGetValue("id", out var idNode) ? GuidText(idNode, $"{what}: id") : null;
            var name = fields.TryGetValue("name", out var nameNode) ? Scalar(nameNode, $"{what}: name") : null;
            if (idNode is null || nameNode is null)
            {
                Problem(personNode.Start, $"{what} needs an id (object id) and a name");
            }

            if (id is not null && !ids.Add(id))
            {
                Problem(idNode!.Start, $"{what}: id {id} is another person's");
            }

            var roles = fields.TryGetValue("roles", out var rolesNode) ? List(rolesNode, $"{what}: roles") : [];
            var personGroups = new List<DevGroup>();
            if (fields.TryGetValue("groups", out var groupsNode))
            {
                foreach (var (group, at) in ListWithPositions(groupsNode, $"{what}: groups"))
                {
                    if (!groups.TryGetValue(group, out var found))
                    {
                        var known = groups.Count == 0 ? "it has no groups" : "its groups: " + string.Join(", ", groups.Keys.Order(StringComparer.Ordinal));
                        Problem(at, $"{what} is in group '{group}', which the catalogue {cataloguePath} does not define ({known})");
                    }
                    else if (found is null)
                    {
                        Problem(at, $"{what} is in group '{group}', which has no local object id in the catalogue {cataloguePath}");
                    }
                    else if (!personGroups.Contains(found))
                    {
                        personGroups.Add(found);
                    }
                }
            }

            people.Add(new DevPerson(upn, id ?? string.Empty, name ?? string.Empty, roles, personGroups));
        }

        return people;
    }

    private List<DevClient> ReadClients(YamlNode node)
    {
        var clients = new List<DevClient>();
        if (Mapping(node, "clients") is not { } map)
        {
            return clients;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            var clientId = Scalar(keyNode, "a client id");
            if (clientId is null)
            {
                continue;
            }

            var what = $"client '{clientId}'";
            var fields = value is YamlScalarNode { Value: null or "" } ? [] : Mapping(value, what) is { } client ? Entries(client, ClientKeys, what) : null;
            if (fields is null)
            {
                continue;
            }

            var description = fields.TryGetValue("description", out var descriptionNode) ? Scalar(descriptionNode, $"{what}: description") : null;
            var redirects = new List<string>();
            if (fields.TryGetValue("redirectUris", out var redirectNode))
            {
                foreach (var (redirect, at) in ListWithPositions(redirectNode, $"{what}: redirectUris"))
                {
                    if (!Uri.TryCreate(redirect, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || redirect.Contains('#', StringComparison.Ordinal))
                    {
                        Problem(at, $"{what}: redirect URI '{redirect}' must be an absolute http(s) URL without a fragment");
                    }
                    else
                    {
                        redirects.Add(redirect);
                    }
                }
            }

            clients.Add(new DevClient(clientId, description ?? string.Empty, redirects));
        }

        return clients;
    }

    private List<DevDelegatingApp> ReadDelegatingApps(YamlNode node)
    {
        var apps = new List<DevDelegatingApp>();
        if (node is YamlScalarNode { Value: null or "" } || Mapping(node, "delegatingApps") is not { } map)
        {
            return apps;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            var name = Scalar(keyNode, "a delegating app's name");
            if (name is null || Mapping(value, $"delegating app '{name}'") is not { } appNode)
            {
                continue;
            }

            var what = $"delegating app '{name}'";
            var fields = Entries(appNode, AppKeys, what);
            var clientId = fields.TryGetValue("clientId", out var clientNode) ? GuidText(clientNode, $"{what}: clientId") : null;
            var federated = fields.TryGetValue("federatedIdentity", out var federatedNode) ? GuidText(federatedNode, $"{what}: federatedIdentity") : null;
            var identifierUri = fields.TryGetValue("identifierUri", out var uriNode) ? Scalar(uriNode, $"{what}: identifierUri") : null;
            if (clientNode is null || federatedNode is null || uriNode is null)
            {
                Problem(appNode.Start, $"{what} needs a clientId, an identifierUri and a federatedIdentity (the managed identity whose token is its client assertion)");
            }

            if (identifierUri is not null && !Uri.TryCreate(identifierUri, UriKind.Absolute, out _))
            {
                Problem(uriNode!.Start, $"{what}: identifierUri '{identifierUri}' must be an absolute URI (api://...)");
            }

            if (clientId is not null && string.Equals(clientId, federated, StringComparison.OrdinalIgnoreCase))
            {
                Problem(federatedNode!.Start, $"{what}: federatedIdentity must be a managed identity, not the app's own client id");
            }

            if (clientId is not null && apps.Any(a => string.Equals(a.ClientId, clientId, StringComparison.OrdinalIgnoreCase)))
            {
                Problem(clientNode!.Start, $"{what}: client id {clientId} is another delegating app's");
            }

            var permissions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (fields.TryGetValue("permissions", out var permissionsNode) && Mapping(permissionsNode, $"{what}: permissions") is { } permissionMap)
            {
                foreach (var (resourceNode, list) in permissionMap.Children)
                {
                    var resource = Scalar(resourceNode, $"{what}: a permission's resource");
                    if (resource is null)
                    {
                        continue;
                    }

                    if (!Uri.TryCreate(resource, UriKind.Absolute, out _) || resource.EndsWith('/'))
                    {
                        Problem(resourceNode.Start, $"{what}: resource '{resource}' must be an absolute URI without a trailing '/' (api://durableagentops/<system>)");
                    }

                    var names = List(list, $"{what}: permissions of {resource}");
                    if (names.Count == 0 || names.Any(n => n.Contains('/', StringComparison.Ordinal) || n.Contains(' ', StringComparison.Ordinal) || n == ".default"))
                    {
                        Problem(list.Start, $"{what}: permissions of {resource} must list permission names (calls.read), without '/', spaces or .default");
                    }

                    permissions[resource] = names;
                }
            }

            apps.Add(new DevDelegatingApp(name, clientId ?? string.Empty, identifierUri ?? string.Empty, federated ?? string.Empty, permissions));
        }

        return apps;
    }

    private static bool IsUserPrincipalName(string name)
    {
        var at = name.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == name.LastIndexOf('@') && at < name.Length - 1 && !name.Any(char.IsWhiteSpace);
    }

    /// <summary>The mapping's entries by key; unknown keys are problems (a typo must not silently drop a role).</summary>
    private Dictionary<string, YamlNode> Entries(YamlMappingNode mapping, HashSet<string> allowed, string what)
    {
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (Scalar(keyNode, $"a key of {what}") is not { } key)
            {
                continue;
            }

            if (!allowed.Contains(key))
            {
                Problem(keyNode.Start, $"{what}: unknown key '{key}' (allowed: {string.Join(", ", allowed)})");
                continue;
            }

            entries[key] = value;
        }

        return entries;
    }

    private YamlMappingNode? Mapping(YamlNode node, string what)
    {
        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        Problem(node.Start, $"{what} must be a mapping");
        return null;
    }

    private string? Scalar(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } value } && !string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        Problem(node.Start, $"{what} must be a non-empty text");
        return null;
    }

    private string? GuidText(YamlNode node, string what)
    {
        var text = Scalar(node, what);
        if (text is not null && Guid.TryParseExact(text, "D", out var guid))
        {
            return guid.ToString("D", CultureInfo.InvariantCulture);
        }

        if (text is not null)
        {
            Problem(node.Start, $"{what} must be a GUID (00000000-0000-0000-0000-000000000000), not '{text}'");
        }

        return null;
    }

    private List<string> List(YamlNode node, string what) => [.. ListWithPositions(node, what).Select(i => i.Value).Distinct(StringComparer.Ordinal)];

    /// <summary>A list of texts; an empty value (<c>roles:</c>) is an empty list.</summary>
    private List<(string Value, Mark At)> ListWithPositions(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: null or "" })
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Problem(node.Start, $"{what} must be a list");
            return [];
        }

        return [.. sequence.Children.Select(item => (Value: Scalar(item, what), At: item.Start)).Where(i => i.Value is not null).Select(i => (i.Value!, i.At))];
    }

    private void Problem(Mark at, string message) =>
        problems.Add(string.Create(CultureInfo.InvariantCulture, $"{file}:{at.Line}:{at.Column}: {message}"));
}

using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Yaml;

namespace DurableAgentOps.Core.Loading;

/// <summary>Binds workflows/identities.yaml.</summary>
internal static class CatalogueBinder
{
    private static readonly Dictionary<string, SystemKind> SystemKinds = new(StringComparer.Ordinal)
    {
        ["business"] = SystemKind.Business,
        ["model"] = SystemKind.Model,
    };

    private static readonly Dictionary<string, IdentityApp> Apps = new(StringComparer.Ordinal)
    {
        ["main"] = IdentityApp.Main,
        ["writer"] = IdentityApp.Writer,
    };

    /// <summary>Whom an identity may act for: only the run's initiator so far (<c>actsFor: initiator</c>).</summary>
    internal static readonly Dictionary<string, Delegation> Delegations = new(StringComparer.Ordinal)
    {
        ["initiator"] = Delegation.Initiator,
    };

    public static IdentityCatalogue Bind(YNode? root, Binder binder)
    {
        if (root is null)
        {
            return IdentityCatalogue.Empty;
        }

        binder.Index(root, string.Empty);
        var top = binder.Mapping(root, string.Empty, "identity catalogue");
        if (top is null)
        {
            return IdentityCatalogue.Empty;
        }

        var systems = BindSystems(top.Take("systems", required: true), top.PathOf("systems"), binder);
        var identities = new List<IdentityDefinition>();
        if (binder.Mapping(top.Take("identities", required: true), top.PathOf("identities"), "identities") is { } map)
        {
            foreach (var (key, value) in map.Entries)
            {
                binder.CheckName(key.Value, $"identity name '{key.Value}'", key.Position);
                identities.Add(BindIdentity(key.Value, value, map.PathOf(key.Value), binder));
            }
        }

        var groups = new List<GroupDefinition>();
        if (binder.Mapping(top.Take("groups"), top.PathOf("groups"), "groups") is { } groupMap)
        {
            foreach (var (key, value) in groupMap.Entries)
            {
                binder.CheckName(key.Value, $"group name '{key.Value}'", key.Position);
                if (BindGroup(key.Value, value, groupMap.PathOf(key.Value), binder) is { } group)
                {
                    groups.Add(group);
                }
            }
        }

        top.Done();
        return new IdentityCatalogue(systems, identities, groups);
    }

    private static List<SystemDefinition> BindSystems(YNode? node, string path, Binder binder)
    {
        var systems = new List<SystemDefinition>();
        if (binder.Mapping(node, path, "systems") is not { } map)
        {
            return systems;
        }

        foreach (var (key, value) in map.Entries)
        {
            var what = $"system '{key.Value}'";
            if (binder.Mapping(value, map.PathOf(key.Value), what) is not { } system)
            {
                continue;
            }

            binder.CheckName(key.Value, $"system name '{key.Value}'", key.Position);
            systems.Add(new SystemDefinition(
                key.Value,
                system.Choice("kind", SystemKinds, required: true) ?? SystemKind.Business,
                system.Text("description") ?? string.Empty,
                system.TextList("resources", required: true)));
            system.Done();
        }

        return systems;
    }

    private static IdentityDefinition BindIdentity(string name, YNode node, string path, Binder binder)
    {
        var what = $"identity '{name}'";
        if (binder.Mapping(node, path, what) is not { } identity)
        {
            return new IdentityDefinition(name, string.Empty, new Dictionary<string, string>(), []);
        }

        var description = identity.Text("description", required: true) ?? string.Empty;
        var clientIds = BindEnvironmentIds(identity, "clientIds", binder, what, "the dev identity endpoint");

        var grants = new List<SystemGrant>();
        if (binder.Mapping(identity.Take("grants"), identity.PathOf("grants"), $"{what} grants") is { } grantMap)
        {
            foreach (var (system, value) in grantMap.Entries)
            {
                grants.Add(BindGrant(system.Value, value, grantMap.PathOf(system.Value), binder, what));
            }
        }

        var app = identity.Choice("app", Apps) ?? IdentityApp.Main;
        var actsFor = identity.Choice("actsFor", Delegations) ?? Delegation.None;
        identity.Done();
        return new IdentityDefinition(name, description, clientIds, grants, app, actsFor);
    }

    private static GroupDefinition? BindGroup(string name, YNode node, string path, Binder binder)
    {
        var what = $"group '{name}'";
        if (binder.Mapping(node, path, what) is not { } group)
        {
            return null;
        }

        var description = group.Text("description", required: true) ?? string.Empty;
        var objectIds = BindEnvironmentIds(group, "objectIds", binder, what, "the dev directory");
        group.Done();
        return new GroupDefinition(name, description, objectIds);
    }

    /// <summary>environment -> id (clientIds of an identity, objectIds of a group); 'local' is required.</summary>
    private static Dictionary<string, string> BindEnvironmentIds(MappingReader owner, string key, Binder binder, string what, string localUser)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (binder.Mapping(owner.Take(key, required: true), owner.PathOf(key), $"{what} {key}") is not { } ids)
        {
            return result;
        }

        foreach (var (env, value) in ids.Entries)
        {
            if (binder.Text(value, $"{what} {key}.{env.Value}") is { } id)
            {
                result[env.Value] = id;
            }
        }

        // Checked here, where an empty mapping is told apart from a missing one (reported by Take).
        if (!result.ContainsKey(IdentityCatalogue.LocalEnvironment))
        {
            binder.Error(binder.Map.Find(ids.Path), FindingCodes.MissingField, $"{what}: {key} needs a '{IdentityCatalogue.LocalEnvironment}' value for {localUser}");
        }

        return result;
    }

    /// <summary>A grant is either a list of operations (crm: [accounts.read]) or a mapping with records and fields.</summary>
    private static SystemGrant BindGrant(string system, YNode node, string path, Binder binder, string what)
    {
        var grantWhat = $"{what} grant '{system}'";
        IReadOnlyList<string> operations;
        IReadOnlyDictionary<string, IReadOnlyList<string>> records = new Dictionary<string, IReadOnlyList<string>>();
        IReadOnlyList<string> fields = [];
        if (node is YMapping)
        {
            var grant = binder.Mapping(node, path, grantWhat)!;
            operations = grant.TextList("operations", required: true);
            records = binder.Records(grant.Take("records"), grant.PathOf("records"), $"{grantWhat} records");
            fields = grant.TextList("fields");
            grant.Done();
        }
        else
        {
            operations = binder.TextList(node, grantWhat);
        }

        // Written relative to the system in the file; qualified in the model.
        return new SystemGrant(system, operations.Select(op => $"{system}.{op}").ToList(), records, fields);
    }
}

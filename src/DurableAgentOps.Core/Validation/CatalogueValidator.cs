using System.Text.RegularExpressions;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Validation;

/// <summary>Rules for identities.yaml on its own, and the over-privilege check across the workflows that use it.</summary>
internal static partial class CatalogueValidator
{
    public static List<Finding> Validate(IdentityCatalogue catalogue, SourceMap map)
    {
        var findings = new List<Finding>();
        var clientIds = new Dictionary<(string Environment, string Id), string>();
        var actingApps = new Dictionary<(string Environment, string Id), string>();
        foreach (var identity in catalogue.Identities)
        {
            var path = $"/identities/{SourceMap.Segment(identity.Name)}";

            // Delegated identities name the app that acts for people: several may share it (each asks only for its own
            // grant's permissions), but no service identity may be that app, and no app two service identities.
            CheckIds(findings, map, $"identity '{identity.Name}'", $"{path}/clientIds", identity.ClientIds, "client id",
                identity.IsDelegated ? actingApps : clientIds, FindingCodes.DuplicateClientId, identity.IsDelegated ? clientIds : actingApps, shared: identity.IsDelegated);
            DelegationValidator.CheckIdentity(catalogue, map, findings, identity, path);

            foreach (var grant in identity.Grants)
            {
                var grantPath = $"{path}/grants/{SourceMap.Segment(grant.System)}";
                if (catalogue.FindSystem(grant.System) is not { } system)
                {
                    findings.Add(map.Error(grantPath, FindingCodes.UnknownSystem, $"identity '{identity.Name}': system '{grant.System}' is not under 'systems'{NearestName.Hint(grant.System, catalogue.Systems.Select(s => s.Name))}"));
                    continue;
                }

                // The guard lets a write touch only listed fields: a write grant without any could never be used, or,
                // if read as "any field", would grant everything. Either way it says nothing a reviewer can check.
                if (grant.Fields.Count == 0 && grant.Operations.FirstOrDefault(catalogue.IsWrite) is { } write)
                {
                    findings.Add(map.Error(grantPath, FindingCodes.WriteGrantWithoutFields, $"identity '{identity.Name}': grant '{grant.System}' includes write operation {write} but no 'fields'; list the fields it may write"));
                }

                for (var j = 0; j < grant.Operations.Count; j++)
                {
                    var operation = grant.Operations[j];
                    var at = GrantOperationPath(map, grantPath, j);
                    if (!OperationName.TryParse(operation, out var op))
                    {
                        findings.Add(map.Error(at, FindingCodes.InvalidValue, $"identity '{identity.Name}': '{operation[(grant.System.Length + 1)..]}' is not <resource>.<verb> (e.g. accounts.read)"));
                    }
                    else if (!system.Resources.Contains(op.Resource))
                    {
                        findings.Add(map.Error(at, FindingCodes.UnknownOperation, $"identity '{identity.Name}': '{op.Resource}' is not a resource of system '{system.Name}' (known: {string.Join(", ", system.Resources)}){NearestName.Hint(op.Resource, system.Resources)}"));
                    }
                }
            }
        }

        var objectIds = new Dictionary<(string Environment, string Id), string>();
        foreach (var group in catalogue.Groups)
        {
            CheckIds(findings, map, $"group '{group.Name}'", $"/groups/{SourceMap.Segment(group.Name)}/objectIds", group.ObjectIds, "object id", objectIds, FindingCodes.DuplicateObjectId);
        }

        return findings;
    }

    /// <summary>
    /// One environment -> id map (an identity's clientIds, a group's objectIds): local is a GUID, other environments a
    /// GUID or a ${SETTING}. An id already in <paramref name="seen"/> for the same environment is a
    /// <paramref name="duplicateCode"/> error: two names for one principal would make every check by name meaningless.
    /// </summary>
    private static void CheckIds(
        List<Finding> findings,
        SourceMap map,
        string owner,
        string path,
        IReadOnlyDictionary<string, string> ids,
        string kind,
        Dictionary<(string Environment, string Id), string> seen,
        string duplicateCode,
        Dictionary<(string Environment, string Id), string>? others = null,
        bool shared = false)
    {
        foreach (var (environment, id) in ids)
        {
            var at = $"{path}/{SourceMap.Segment(environment)}";
            var isGuid = Guid.TryParseExact(id, "D", out var guid);
            if (environment == IdentityCatalogue.LocalEnvironment ? !isGuid : !isGuid && !Placeholder().IsMatch(id))
            {
                findings.Add(map.Error(at, FindingCodes.InvalidClientId, environment == IdentityCatalogue.LocalEnvironment
                    ? $"{owner}: local {kind} must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
                    : $"{owner}: {environment} {kind} must be a GUID or a ${{PLACEHOLDER}} filled in at deployment"));
                continue;
            }

            // GUIDs compare case-insensitively; a ${SETTING} names one value, so the same setting twice is one id.
            var key = (environment, isGuid ? guid.ToString("D") : id);
            if (others is not null && others.TryGetValue(key, out var other))
            {
                findings.Add(map.Error(at, duplicateCode, $"{owner}: {environment} {kind} {id} is already the {kind} of {other}; an app that acts for people is never a service identity too"));
            }
            else if (!seen.TryAdd(key, owner) && !shared)
            {
                findings.Add(map.Error(at, duplicateCode, $"{owner}: {environment} {kind} {id} is already the {kind} of {seen[key]}"));
            }
        }
    }

    /// <summary>
    /// Warns about privileges no workflow needs: an identity no step uses, and granted operations or fields no step
    /// declares. Only meaningful over the full set of workflows that share the catalogue.
    /// </summary>
    public static List<Finding> FindUnused(IdentityCatalogue catalogue, SourceMap map, IEnumerable<WorkflowDefinition> workflows)
    {
        var allSteps = workflows.SelectMany(w => w.Steps).ToList();
        var findings = new List<Finding>();
        foreach (var identity in catalogue.Identities)
        {
            var path = $"/identities/{SourceMap.Segment(identity.Name)}";
            var steps = allSteps.Where(s => s.Identity == identity.Name).ToList();
            if (steps.Count == 0)
            {
                findings.Add(map.Warning(path, FindingCodes.UnusedIdentity, $"identity '{identity.Name}' is used by no workflow; remove it or its grants"));
                continue;
            }

            var usedOperations = steps.SelectMany(s => s.Scope.Operations).ToHashSet(StringComparer.Ordinal);
            foreach (var grant in identity.Grants)
            {
                var grantPath = $"{path}/grants/{SourceMap.Segment(grant.System)}";
                for (var j = 0; j < grant.Operations.Count; j++)
                {
                    if (!usedOperations.Contains(grant.Operations[j]))
                    {
                        findings.Add(map.Warning(GrantOperationPath(map, grantPath, j), FindingCodes.UnusedGrant, $"identity '{identity.Name}' is over-privileged: no workflow step uses {grant.Operations[j]}"));
                    }
                }

                var usedFields = steps.Where(s => s.System == grant.System).SelectMany(s => s.Scope.Fields).ToHashSet(StringComparer.Ordinal);
                for (var j = 0; j < grant.Fields.Count; j++)
                {
                    if (!usedFields.Contains(grant.Fields[j]))
                    {
                        findings.Add(map.Warning($"{grantPath}/fields/{j}", FindingCodes.UnusedGrant, $"identity '{identity.Name}' is over-privileged: no workflow step writes {grant.System} field '{grant.Fields[j]}'"));
                    }
                }
            }
        }

        return findings;
    }

    /// <summary>Grants are written either as a list (crm: [..]) or as a mapping with 'operations'.</summary>
    private static string GrantOperationPath(SourceMap map, string grantPath, int index) =>
        map.Contains($"{grantPath}/operations") ? $"{grantPath}/operations/{index}" : $"{grantPath}/{index}";

    [GeneratedRegex(@"^\$\{[A-Z][A-Z0-9_]*\}$", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}

using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Principals;

/// <summary>
/// Whether a verified caller is one of the people, groups or roles a workflow names, compared by object id: a person
/// through the directory's id for the named user principal name, a group through the token's <c>groups</c> claim (or
/// the directory when the token does not list them), a role through the token's <c>roles</c>.
/// </summary>
public sealed class PrincipalMatcher(PrincipalDirectory directory, ClientIdResolver settings, IOptions<AgentOpsRunOptions> options)
{
    /// <summary>The approver entry the caller is (e.g. "group emea-sales-managers"), or null when none.</summary>
    public async Task<string?> MatchApproverAsync(
        IEnumerable<Approver> approvers, IReadOnlyList<GroupDefinition> groups, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approvers);
        var list = approvers.ToList();
        return await MatchAsync(
            list.Where(a => a.Kind == ApproverKind.Person).Select(a => a.Name),
            list.Where(a => a.Kind == ApproverKind.Group).Select(a => a.Name),
            [], groups, caller, cancellationToken);
    }

    /// <summary>The starters entry the caller is, or null when none.</summary>
    public async Task<string?> MatchStarterAsync(
        IEnumerable<Starter> starters, IReadOnlyList<GroupDefinition> groups, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(starters);
        var list = starters.ToList();
        return await MatchAsync(
            list.Where(s => s.Kind == StarterKind.Person).Select(s => s.Name),
            list.Where(s => s.Kind == StarterKind.Group).Select(s => s.Name),
            list.Where(s => s.Kind == StarterKind.Role).Select(s => s.Name),
            groups, caller, cancellationToken);
    }

    private async Task<string?> MatchAsync(
        IEnumerable<string> people, IEnumerable<string> groupNames, IEnumerable<string> roles, IReadOnlyList<GroupDefinition> groups,
        Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller == Caller.SystemKey)
        {
            return null; // the system key is no person: it neither starts nor approves
        }

        // Cheapest first: roles and group claims come with the token; people and overage groups need the directory.
        if (roles.FirstOrDefault(caller.IsInRole) is { } role)
        {
            return $"role {role}";
        }

        var deferred = new List<(string Name, string ObjectId)>();
        foreach (var name in groupNames)
        {
            var objectId = GroupObjectId(name, groups);
            if (caller.Groups is { } claimed)
            {
                if (claimed.Contains(objectId))
                {
                    return $"group {name}";
                }
            }
            else
            {
                deferred.Add((name, objectId));
            }
        }

        foreach (var upn in people)
        {
            if (await directory.FindUserIdAsync(upn, cancellationToken) is { } id && string.Equals(id, caller.ObjectId, StringComparison.OrdinalIgnoreCase))
            {
                return $"person {upn}";
            }
        }

        foreach (var (name, objectId) in deferred)
        {
            if (await directory.IsMemberAsync(objectId, caller.ObjectId, cancellationToken))
            {
                return $"group {name}";
            }
        }

        return null;
    }

    /// <summary>The group's object id in this host's environment; a group the run cannot resolve fails the check closed.</summary>
    public string GroupObjectId(string name, IReadOnlyList<GroupDefinition> groups)
    {
        var environment = options.Value.Environment;
        var group = groups.FirstOrDefault(g => g.Name == name)
            ?? throw new DirectoryUnavailableException($"group '{name}' is not in the run's definition snapshot");
        if (!group.ObjectIds.TryGetValue(environment, out var id))
        {
            throw new DirectoryUnavailableException($"group '{name}' has no object id for environment '{environment}' in identities.yaml");
        }

        try
        {
            return settings.Resolve(id).ToLowerInvariant();
        }
        catch (StepRefusedException ex)
        {
            throw new DirectoryUnavailableException($"group '{name}': {ex.Message}", ex);
        }
    }
}

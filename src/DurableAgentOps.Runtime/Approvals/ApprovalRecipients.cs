using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Principals;

namespace DurableAgentOps.Runtime.Approvals;

/// <summary>
/// Who a gate asks: its people and the members of its groups (through the directory, nested groups included), each
/// once, without the initiator when the gate separates duties and without those who already answered.
/// </summary>
public sealed class ApprovalRecipients(PrincipalDirectory directory, PrincipalMatcher matcher)
{
    public async Task<(IReadOnlyList<DirectoryUser> People, IReadOnlyList<string> Problems)> ResolveAsync(
        GateDefinition gate, IReadOnlyList<GroupDefinition> groups, string initiatorId, IReadOnlyCollection<string> answered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var people = new Dictionary<string, DirectoryUser>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var approver in gate.Approvers)
        {
            try
            {
                var found = approver.Kind == ApproverKind.Person
                    ? (await directory.FindUserAsync(approver.Name, cancellationToken) is { } person ? [person] : [])
                    : await directory.GetMembersAsync(matcher.GroupObjectId(approver.Name, groups), cancellationToken);
                if (found.Count == 0)
                {
                    problems.Add($"{approver.Kind.ToString().ToLowerInvariant()} {approver.Name}: nobody in the directory");
                }

                foreach (var user in found)
                {
                    people.TryAdd(user.Id, user);
                }
            }
            catch (DirectoryUnavailableException ex)
            {
                problems.Add($"{approver.Kind.ToString().ToLowerInvariant()} {approver.Name}: {ex.Message}");
            }
        }

        var initiatorObjectId = initiatorId.Split('/').Last();
        var asked = people.Values
            .Where(p => !(gate.SeparationOfDuties && string.Equals(p.Id, initiatorObjectId, StringComparison.OrdinalIgnoreCase)))
            .Where(p => !answered.Any(a => a.EndsWith("/" + p.Id, StringComparison.OrdinalIgnoreCase) || string.Equals(a, p.Id, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        return (asked, problems);
    }
}

using System.Text.Json;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Explain;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Validation;

namespace DurableAgentOps.Core.Diff;

/// <summary>What changed between two versions of a workflow; widenings are warnings, everything else info.</summary>
public sealed record DiffReport(IReadOnlyList<Finding> Changes)
{
    public IEnumerable<Finding> Widenings => Changes.Where(c => c.Severity == Severity.Warning);

    public bool HasWidening => Widenings.Any();
}

/// <summary>
/// Compares identities, scopes, gates, starters, evidence and system declarations of two loaded workflows (with their
/// catalogues). A widening is anything that lets a run do more, or more easily, or lets more people start or approve
/// one, or keeps less evidence: a new operation, field or record, a removed gate, a changed route or approval condition,
/// a longer timeout, a smaller quorum, new approvers, a later or removed escalation, separation of duties or writer
/// isolation turned off, a new starter or none at all, shorter or thinner evidence, a changed operation declaration.
/// A step's authority switched between a service identity and the person who started the run is flagged either way.
/// </summary>
public sealed class WorkflowDiffer
{
    private readonly LoadedWorkflow _old;
    private readonly LoadedWorkflow _new;
    private readonly List<Finding> _changes = [];

    private WorkflowDiffer(LoadedWorkflow old, LoadedWorkflow @new)
    {
        _old = old;
        _new = @new;
    }

    public static DiffReport Compare(LoadedWorkflow old, LoadedWorkflow @new)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        if (old.Definition is null || @new.Definition is null)
        {
            throw new ArgumentException("both workflows must have loaded; check their findings first");
        }

        var differ = new WorkflowDiffer(old, @new);
        differ.Run(old.Definition, @new.Definition);
        return new DiffReport(differ._changes.Distinct().ToList());
    }

    private void Run(WorkflowDefinition oldWf, WorkflowDefinition newWf)
    {
        for (var i = 0; i < newWf.Steps.Count; i++)
        {
            var step = newWf.Steps[i];
            var path = $"/steps/{i}";
            var before = oldWf.FindStep(step.Id);
            if (before is null)
            {
                Note(_new.Map, path, $"step '{step.Id}' added");
                foreach (var op in step.Scope.Operations)
                {
                    Widen(_new.Map, path, FindingCodes.WidenedOperation, $"new step '{step.Id}' adds operation {op}");
                }

                foreach (var field in step.Scope.Fields)
                {
                    Widen(_new.Map, path, FindingCodes.WidenedField, $"new step '{step.Id}' adds field '{field}'");
                }

                if (_new.Catalogue.Catalogue.Find(step.Identity) is { IsDelegated: true } delegated)
                {
                    Widen(_new.Map, $"{path}/identity", FindingCodes.DelegationChanged, $"new step '{step.Id}' acts for {DelegationValidator.Person} (identity '{delegated.Name}', actsFor: {Kebab(delegated.ActsFor)})");
                }

                continue;
            }

            CompareStep(oldWf, newWf, before, step, path);
        }

        for (var i = 0; i < oldWf.Steps.Count; i++)
        {
            if (newWf.FindStep(oldWf.Steps[i].Id) is null)
            {
                Note(_old.Map, $"/steps/{i}", $"step '{oldWf.Steps[i].Id}' removed");
            }
        }

        foreach (var gate in newWf.Gates)
        {
            if (oldWf.FindGate(gate.Id) is { } before)
            {
                CompareGate(before, gate, $"/gates/{SourceMap.Segment(gate.Id)}", $"gate '{gate.Id}'");
            }
            else
            {
                Note(_new.Map, $"/gates/{SourceMap.Segment(gate.Id)}", $"gate '{gate.Id}' added");
            }
        }

        foreach (var gate in oldWf.Gates.Where(g => newWf.FindGate(g.Id) is null))
        {
            // A gate deleted while the new version still names it leaves those places waiting for no one (the new
            // version has errors then, but the reviewer must see the widening too). One no longer named is a note:
            // what took its place is compared where it is named.
            var namedBy = NamesOf(newWf, gate.Id);
            if (namedBy.Count > 0)
            {
                Widen(_old.Map, $"/gates/{SourceMap.Segment(gate.Id)}", FindingCodes.GateRemoved,
                    $"gate '{gate.Id}' removed from 'gates', but {string.Join(", ", namedBy)} still name(s) it: no one approves there any more");
            }
            else
            {
                Note(_old.Map, $"/gates/{SourceMap.Segment(gate.Id)}", $"gate '{gate.Id}' removed from 'gates'");
            }
        }

        if (oldWf.Isolation == Isolation.SeparateWriter && newWf.Isolation != Isolation.SeparateWriter)
        {
            Widen(_new.Map, "/isolation", FindingCodes.IsolationWeaker, $"isolation {Kebab(oldWf.Isolation)} -> {Kebab(newWf.Isolation)}: the writer's identities no longer live apart");
        }
        else if (oldWf.Isolation != newWf.Isolation)
        {
            Note(_new.Map, "/isolation", $"isolation {Kebab(oldWf.Isolation)} -> {Kebab(newWf.Isolation)}");
        }

        CompareStarters(oldWf.Starters, newWf.Starters);
        CompareCatalogues(newWf);
        CompareDeclarations(newWf);
        CompareEvidence(oldWf, newWf);
    }

    private void CompareStep(WorkflowDefinition oldWf, WorkflowDefinition newWf, StepDefinition before, StepDefinition after, string path)
    {
        var id = after.Id;
        if (before.Identity != after.Identity)
        {
            Note(_new.Map, $"{path}/identity", $"step '{id}' now runs as '{after.Identity}' (was '{before.Identity}')");
            var oldIdentity = _old.Catalogue.Catalogue.Find(before.Identity);
            var newIdentity = _new.Catalogue.Catalogue.Find(after.Identity);
            if (newIdentity is not null)
            {
                var oldOps = oldIdentity?.GrantedOperations.ToHashSet(StringComparer.Ordinal) ?? [];
                foreach (var op in newIdentity.GrantedOperations.Where(o => !oldOps.Contains(o)))
                {
                    Widen(_new.Map, $"{path}/identity", FindingCodes.WidenedOperation, $"step '{id}': identity '{after.Identity}' may {op}, which '{before.Identity}' could not");
                }
            }
        }

        CompareDelegation(before, after, path);
        if (!(before.Template ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal)
            .SequenceEqual((after.Template ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal)))
        {
            Note(_new.Map, path, $"step '{id}' draft template changed");
        }

        if (before.Operation != after.Operation)
        {
            Note(_new.Map, $"{path}/operation", $"step '{id}' operation {before.Operation ?? "(none)"} -> {after.Operation ?? "(none)"}");
        }

        foreach (var op in after.Scope.Operations.Except(before.Scope.Operations))
        {
            Widen(_new.Map, $"{path}/scope/operations/{IndexOf(after.Scope.Operations, op)}", FindingCodes.WidenedOperation, $"step '{id}' adds operation {op} to its scope");
        }

        foreach (var op in before.Scope.Operations.Except(after.Scope.Operations))
        {
            Note(_new.Map, $"{path}/scope", $"step '{id}' drops operation {op} from its scope");
        }

        foreach (var field in after.Scope.Fields.Except(before.Scope.Fields))
        {
            Widen(_new.Map, $"{path}/scope/fields/{IndexOf(after.Scope.Fields, field)}", FindingCodes.WidenedField, $"step '{id}' adds field '{field}' to its scope");
        }

        foreach (var field in before.Scope.Fields.Except(after.Scope.Fields))
        {
            Note(_new.Map, $"{path}/scope", $"step '{id}' drops field '{field}' from its scope");
        }

        CompareRecords(before.Scope.Records, after.Scope.Records, _new.Map, $"{path}/scope", $"step '{id}'");
        CompareRouteConditions(before, after, path);
        CompareApproval(oldWf, newWf, before, after, path);
    }

    /// <summary>
    /// Whose authority a step acts under is flagged either way: a step that now acts for the person who started the run
    /// reaches what that person may reach (and writes in their name); one that no longer does acts under a service
    /// identity's own authority, no longer limited to what the person may do. A step that starts or stops saying
    /// <c>actsFor</c> itself is flagged too. (An identity of the same name gaining or losing <c>actsFor</c> is flagged
    /// under the catalogue.)
    /// </summary>
    private void CompareDelegation(StepDefinition before, StepDefinition after, string path)
    {
        var id = after.Id;
        if (before.Identity != after.Identity
            && _old.Catalogue.Catalogue.Find(before.Identity) is { } oldIdentity && _new.Catalogue.Catalogue.Find(after.Identity) is { } newIdentity
            && oldIdentity.IsDelegated != newIdentity.IsDelegated)
        {
            Widen(_new.Map, $"{path}/identity", FindingCodes.DelegationChanged, newIdentity.IsDelegated
                ? $"step '{id}' now acts for {DelegationValidator.Person}: identity '{after.Identity}' is delegated (actsFor: {Kebab(newIdentity.ActsFor)}), '{before.Identity}' was a service identity"
                : $"step '{id}' no longer acts for {DelegationValidator.Person}: identity '{after.Identity}' is a service identity acting under its own authority, no longer limited to what the person may do ('{before.Identity}' was delegated)");
        }

        if (before.ActsFor != after.ActsFor)
        {
            Widen(_new.Map, after.ActsFor == Delegation.None ? path : $"{path}/actsFor", FindingCodes.DelegationChanged, after.ActsFor == Delegation.None
                ? $"step '{id}' no longer says 'actsFor: {Kebab(before.ActsFor)}'"
                : $"step '{id}' now says 'actsFor: {Kebab(after.ActsFor)}': it acts for {DelegationValidator.Person}");
        }
    }

    /// <summary>
    /// Routes decide which gate a write waits for: any change to a condition, or to which route comes first, can send a
    /// run to a weaker gate, so every such change is flagged (the reviewer judges whether it weakens).
    /// </summary>
    private void CompareRouteConditions(StepDefinition before, StepDefinition after, string path)
    {
        var oldRoutes = before.Routes.Select(r => (r.When, r.To)).ToList();
        var newRoutes = after.Routes.Select(r => (r.When, r.To)).ToList();
        for (var r = 0; r < Math.Max(oldRoutes.Count, newRoutes.Count); r++)
        {
            var was = r < oldRoutes.Count ? oldRoutes[r] : default;
            var now = r < newRoutes.Count ? newRoutes[r] : default;
            if (was != now)
            {
                Widen(_new.Map, r < newRoutes.Count ? $"{path}/routes/{r}" : $"{path}/routes", FindingCodes.ConditionChanged,
                    $"step '{after.Id}' route {r + 1}: {Route(was)} -> {Route(now)}");
            }
        }
    }

    private static string Route((string? When, string? To) route) =>
        route.To is null ? "(none)" : $"{route.When ?? "otherwise"} -> {route.To}";

    private void CompareApproval(WorkflowDefinition oldWf, WorkflowDefinition newWf, StepDefinition before, StepDefinition after, string path)
    {
        var id = after.Id;
        var at = $"{path}/approval";
        bool Gated(ApprovalMode mode) => mode is ApprovalMode.Gate or ApprovalMode.Routed;
        if (Gated(before.Approval.Mode) && !Gated(after.Approval.Mode))
        {
            Widen(_new.Map, at, FindingCodes.GateRemoved, $"step '{id}' no longer waits for approval");
            return;
        }

        if (!Gated(before.Approval.Mode))
        {
            if (Gated(after.Approval.Mode))
            {
                Note(_new.Map, at, $"step '{id}' now waits for approval");
            }

            return;
        }

        if (before.Approval.When is null && after.Approval.When is not null)
        {
            Widen(_new.Map, at, FindingCodes.GateRemoved, $"step '{id}' now waits for approval only when {after.Approval.When}");
        }
        else if (before.Approval.When != after.Approval.When)
        {
            // A condition that now holds for fewer runs, or for other runs, lets some write without a person.
            var change = $"step '{id}' approval condition '{before.Approval.When}' -> '{after.Approval.When ?? "always"}'";
            if (after.Approval.When is null)
            {
                Note(_new.Map, at, change);
            }
            else
            {
                Widen(_new.Map, at, FindingCodes.ConditionChanged, change);
            }
        }

        // Gates swapped for others are compared like for like; same-id gates are compared once, under 'gates'.
        var oldGates = GatesOf(oldWf, before);
        var newGates = GatesOf(newWf, after);
        if (before.Approval.Mode == ApprovalMode.Routed && after.Approval.Mode == ApprovalMode.Routed)
        {
            CompareRoutes(oldWf, newWf, before, after);
        }
        else if (oldGates.Count > 0 && newGates.Count == 0 && after.Approval.Gate is { } missing && oldGates.All(g => g.Id != missing))
        {
            // Renamed to a gate that does not exist (a deleted one is reported under 'gates').
            Widen(_new.Map, $"{at}/gate", FindingCodes.GateRemoved, $"step '{id}' names gate '{missing}', which is not under 'gates': it no longer waits for '{string.Join("', '", oldGates.Select(g => g.Id))}'");
        }
        else if (oldGates.Count == 1 && newGates.Count == 1 && oldGates[0].Id != newGates[0].Id)
        {
            Note(_new.Map, at, $"step '{id}' gate '{oldGates[0].Id}' -> '{newGates[0].Id}'");
            CompareGate(oldGates[0], newGates[0], at, $"step '{id}' gate");
        }
        else if (!oldGates.Select(g => g.Id).SequenceEqual(newGates.Select(g => g.Id)))
        {
            Note(_new.Map, at, $"step '{id}' gates [{string.Join(", ", oldGates.Select(g => g.Id))}] -> [{string.Join(", ", newGates.Select(g => g.Id))}]");
        }
    }

    private void CompareRoutes(WorkflowDefinition oldWf, WorkflowDefinition newWf, StepDefinition before, StepDefinition after)
    {
        var oldRoutes = oldWf.FindStep(before.Approval.RouteStep!)?.Routes ?? [];
        var routeIndex = newWf.Steps.ToList().FindIndex(s => s.Id == after.Approval.RouteStep);
        var newRoutes = routeIndex >= 0 ? newWf.Steps[routeIndex].Routes : [];
        for (var r = 0; r < newRoutes.Count; r++)
        {
            var route = newRoutes[r];
            var previous = oldRoutes.FirstOrDefault(o => o.To == route.To);
            var at = $"/steps/{routeIndex}/routes/{r}";
            if (previous?.Gate is null || route.Gate is null)
            {
                if (previous?.Gate is not null)
                {
                    Widen(_new.Map, at, FindingCodes.GateRemoved, $"route '{route.To}' no longer names a gate");
                }

                continue;
            }

            if (previous.Gate != route.Gate && newWf.FindGate(route.Gate) is null)
            {
                Widen(_new.Map, $"{at}/gate", FindingCodes.GateRemoved, $"route '{route.To}' names gate '{route.Gate}', which is not under 'gates': it no longer waits for '{previous.Gate}'");
            }
            else if (previous.Gate != route.Gate && oldWf.FindGate(previous.Gate) is { } oldGate && newWf.FindGate(route.Gate) is { } newGate)
            {
                Note(_new.Map, at, $"route '{route.To}' gate '{previous.Gate}' -> '{route.Gate}'");
                CompareGate(oldGate, newGate, at, $"route '{route.To}' gate");
            }
        }
    }

    /// <summary>Where <paramref name="workflow"/> names gate <paramref name="gateId"/>: approvals, routes, escalations.</summary>
    private static List<string> NamesOf(WorkflowDefinition workflow, string gateId) =>
    [
        .. workflow.Steps.Where(s => s.Approval.Mode == ApprovalMode.Gate && s.Approval.Gate == gateId).Select(s => $"step '{s.Id}'"),
        .. workflow.Steps.SelectMany(s => s.Routes.Where(r => r.Gate == gateId).Select(r => $"route '{r.To}' of step '{s.Id}'")),
        .. workflow.Gates.Where(g => g.Escalation?.To == gateId).Select(g => $"the escalation of gate '{g.Id}'"),
    ];

    private static List<GateDefinition> GatesOf(WorkflowDefinition workflow, StepDefinition step)
    {
        var ids = step.Approval.Mode == ApprovalMode.Routed
            ? workflow.FindStep(step.Approval.RouteStep!)?.Routes.Select(r => r.Gate).OfType<string>() ?? []
            : step.Approval.Gate is { } gate ? [gate] : [];
        return ids.Distinct(StringComparer.Ordinal).Select(workflow.FindGate).OfType<GateDefinition>().ToList();
    }

    private void CompareGate(GateDefinition before, GateDefinition after, string path, string what)
    {
        if (IsoDuration.TryParse(before.Timeout, out var oldTimeout) && IsoDuration.TryParse(after.Timeout, out var newTimeout) && oldTimeout != newTimeout)
        {
            if (newTimeout > oldTimeout)
            {
                Widen(_new.Map, $"{path}/timeout", FindingCodes.LongerTimeout, $"{what}: timeout {before.Timeout} -> {after.Timeout} (longer)");
            }
            else
            {
                Note(_new.Map, $"{path}/timeout", $"{what}: timeout {before.Timeout} -> {after.Timeout} (shorter)");
            }
        }

        if (after.Quorum < before.Quorum)
        {
            Widen(_new.Map, $"{path}/quorum", FindingCodes.SmallerQuorum, $"{what}: quorum {before.Quorum} -> {after.Quorum} (fewer approvals needed)");
        }
        else if (after.Quorum > before.Quorum)
        {
            Note(_new.Map, $"{path}/quorum", $"{what}: quorum {before.Quorum} -> {after.Quorum}");
        }

        if (before.SeparationOfDuties && !after.SeparationOfDuties)
        {
            Widen(_new.Map, path, FindingCodes.SeparationOfDutiesOff, $"{what}: separation of duties turned off (the initiator may approve)");
        }
        else if (!before.SeparationOfDuties && after.SeparationOfDuties)
        {
            Note(_new.Map, path, $"{what}: separation of duties turned on");
        }

        // More people who may approve is a wider gate; fewer is a note.
        var oldApprovers = before.Approvers.Select(WorkflowExplainer.Describe).ToList();
        var newApprovers = after.Approvers.Select(WorkflowExplainer.Describe).ToList();
        foreach (var added in newApprovers.Except(oldApprovers))
        {
            Widen(_new.Map, $"{path}/approvers", FindingCodes.ApproversAdded, $"{what}: {added} may now approve");
        }

        foreach (var removed in oldApprovers.Except(newApprovers))
        {
            Note(_new.Map, $"{path}/approvers", $"{what}: {removed} may no longer approve");
        }

        CompareEscalation(before, after, path, what);
        if (!before.Channels.SequenceEqual(after.Channels) || !before.Reminders.SequenceEqual(after.Reminders) || before.OnTimeout != after.OnTimeout)
        {
            Note(_new.Map, path, $"{what}: channels, reminders or timeout action changed");
        }
    }

    /// <summary>An escalation removed, or due later, leaves a waiting change with the first approvers longer.</summary>
    private void CompareEscalation(GateDefinition before, GateDefinition after, string path, string what)
    {
        if (before.Escalation is not { } was)
        {
            if (after.Escalation is { } added)
            {
                Note(_new.Map, $"{path}/escalation", $"{what}: now escalates to '{added.To}' after {added.After}");
            }

            return;
        }

        if (after.Escalation is not { } now)
        {
            Widen(_new.Map, path, FindingCodes.EscalationWeaker, $"{what}: no longer escalates (was to '{was.To}' after {was.After})");
        }
        else if (IsoDuration.TryParse(was.After, out var oldAfter) && IsoDuration.TryParse(now.After, out var newAfter) && newAfter > oldAfter)
        {
            Widen(_new.Map, $"{path}/escalation/after", FindingCodes.EscalationWeaker, $"{what}: escalates later, after {now.After} (was {was.After})");
        }
        else if (was != now)
        {
            Note(_new.Map, $"{path}/escalation", $"{what}: escalation {was.After} -> '{was.To}' is now {now.After} -> '{now.To}'");
        }
    }

    /// <summary>An empty list lets anyone holding the starter role start a run, so emptying a list is the widest change.</summary>
    private void CompareStarters(IReadOnlyList<Starter> before, IReadOnlyList<Starter> after)
    {
        if (before.Count > 0 && after.Count == 0)
        {
            var (map, path) = _new.Map.Contains("/starters") ? (_new.Map, "/starters") : (_old.Map, "/starters");
            Widen(map, path, FindingCodes.WiderStarters, $"starters removed: anyone holding {AppRoles.Starter} may now start a run (was {string.Join(", ", before.Select(WorkflowExplainer.Describe))})");
            return;
        }

        if (before.Count == 0)
        {
            if (after.Count > 0)
            {
                Note(_new.Map, "/starters", $"starters added: only {string.Join(", ", after.Select(WorkflowExplainer.Describe))} may now start a run (was anyone holding {AppRoles.Starter})");
            }

            return;
        }

        for (var i = 0; i < after.Count; i++)
        {
            if (!before.Contains(after[i]))
            {
                Widen(_new.Map, $"/starters/{i}", FindingCodes.WiderStarters, $"new starter: {WorkflowExplainer.Describe(after[i])} may now start a run");
            }
        }

        foreach (var starter in before.Where(s => !after.Contains(s)))
        {
            Note(_new.Map, "/starters", $"starter removed: {WorkflowExplainer.Describe(starter)} may no longer start a run");
        }
    }

    private void CompareCatalogues(WorkflowDefinition newWf)
    {
        var oldCatalogue = _old.Catalogue.Catalogue;
        var newCatalogue = _new.Catalogue.Catalogue;
        var map = _new.Catalogue.Map;
        foreach (var name in newWf.Steps.Select(s => s.Identity).Distinct(StringComparer.Ordinal))
        {
            if (oldCatalogue.Find(name) is not { } before || newCatalogue.Find(name) is not { } after)
            {
                continue;
            }

            var path = $"/identities/{SourceMap.Segment(name)}";
            if (before.ActsFor != after.ActsFor)
            {
                var steps = string.Join(", ", newWf.Steps.Where(s => s.Identity == name).Select(s => $"'{s.Id}'"));
                Widen(map, after.IsDelegated ? $"{path}/actsFor" : path, FindingCodes.DelegationChanged, after.IsDelegated
                    ? $"identity '{name}' now acts for {DelegationValidator.Person} (actsFor: {Kebab(after.ActsFor)}): step(s) {steps} run as that person"
                    : $"identity '{name}' no longer acts for {DelegationValidator.Person}: step(s) {steps} now act under its own authority, no longer limited to what the person may do");
            }

            foreach (var grant in after.Grants)
            {
                var grantPath = $"{path}/grants/{SourceMap.Segment(grant.System)}";
                var previous = before.GrantFor(grant.System);
                foreach (var op in grant.Operations.Except(previous?.Operations ?? []))
                {
                    Widen(map, grantPath, FindingCodes.WidenedOperation, $"identity '{name}' is newly granted {op}");
                }

                foreach (var field in grant.Fields.Except(previous?.Fields ?? []))
                {
                    Widen(map, grantPath, FindingCodes.WidenedField, $"identity '{name}' may newly write {grant.System} field '{field}'");
                }

                if (previous is not null)
                {
                    CompareRecords(previous.Records, grant.Records, map, grantPath, $"identity '{name}' in {grant.System}");
                }
            }

            foreach (var (environment, clientId) in after.ClientIds)
            {
                if (before.ClientIds.TryGetValue(environment, out var oldId) && oldId != clientId)
                {
                    Note(map, $"{path}/clientIds", $"identity '{name}': {environment} client id changed");
                }
            }
        }

        // Gates and starters match people by a group's object id: a new id is another set of people.
        var named = newWf.Gates.SelectMany(g => g.Approvers).Where(a => a.Kind == ApproverKind.Group).Select(a => a.Name)
            .Concat(newWf.Starters.Where(s => s.Kind == StarterKind.Group).Select(s => s.Name)).Distinct(StringComparer.Ordinal);
        foreach (var name in named)
        {
            if (oldCatalogue.FindGroup(name) is not { } before || newCatalogue.FindGroup(name) is not { } after)
            {
                continue;
            }

            foreach (var (environment, objectId) in after.ObjectIds)
            {
                if (before.ObjectIds.TryGetValue(environment, out var oldId) && oldId != objectId)
                {
                    Note(map, $"/groups/{SourceMap.Segment(name)}/objectIds", $"group '{name}': {environment} object id changed");
                }
            }
        }
    }

    /// <summary>A record restriction removed, or a value added to one, reaches more records.</summary>
    private void CompareRecords(
        IReadOnlyDictionary<string, IReadOnlyList<string>> before,
        IReadOnlyDictionary<string, IReadOnlyList<string>> after,
        SourceMap map,
        string path,
        string what)
    {
        foreach (var (attribute, oldValues) in before)
        {
            if (!after.TryGetValue(attribute, out var newValues))
            {
                Widen(map, path, FindingCodes.WidenedRecords, $"{what} no longer limits records by '{attribute}' (was {string.Join(", ", oldValues)})");
                continue;
            }

            foreach (var value in newValues.Except(oldValues))
            {
                Widen(map, $"{path}/records/{SourceMap.Segment(attribute)}", FindingCodes.WidenedRecords, $"{what} reaches {attribute} '{value}' too");
            }

            foreach (var value in oldValues.Except(newValues))
            {
                Note(map, $"{path}/records/{SourceMap.Segment(attribute)}", $"{what} no longer reaches {attribute} '{value}'");
            }
        }

        foreach (var attribute in after.Keys.Except(before.Keys))
        {
            Note(map, $"{path}/records", $"{what} now limits records by '{attribute}'");
        }
    }

    /// <summary>Evidence kept shorter, a kind of record no longer kept, or a value no longer redacted is weaker evidence.</summary>
    private void CompareEvidence(WorkflowDefinition oldWf, WorkflowDefinition newWf)
    {
        var (before, after) = (oldWf.Evidence, newWf.Evidence);
        if (IsoDuration.TryParse(before.Retention, out var oldRetention) && IsoDuration.TryParse(after.Retention, out var newRetention) && newRetention < oldRetention)
        {
            Widen(_new.Map, "/evidence/retention", FindingCodes.EvidenceWeaker, $"evidence is kept {after.Retention} (was {before.Retention}): shorter");
        }
        else if (before.Retention != after.Retention)
        {
            Note(_new.Map, "/evidence/retention", $"evidence retention {before.Retention} -> {after.Retention}");
        }

        foreach (var kind in before.Keep.Except(after.Keep))
        {
            Widen(_new.Map, "/evidence/keep", FindingCodes.EvidenceWeaker, $"evidence no longer keeps '{kind}'");
        }

        // What a run redacts, not only what the file lists: a sensitive field kept in clear, or no longer marked
        // sensitive by its system, is as much a weakening as a path taken off evidence.redact.
        // Data no step produces any more needs no redaction.
        var redactedAfter = Redaction.Paths(newWf, _new.Catalogue.Catalogue.Declarations);
        var produced = newWf.Steps.Select(StepAliases.Of).Append(StepAliases.Input).ToHashSet(StringComparer.Ordinal);
        var unmarked = Redaction.SensitiveReads(oldWf, _old.Catalogue.Catalogue.Declarations).Select(f => f.Path)
            .Except(Redaction.SensitiveReads(newWf, _new.Catalogue.Catalogue.Declarations).Select(f => f.Path), StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        foreach (var path in Redaction.Paths(oldWf, _old.Catalogue.Catalogue.Declarations).Except(redactedAfter, StringComparer.Ordinal)
            .Where(p => produced.Contains(p.Split('.')[0])))
        {
            var why = (after.KeepInClear ?? []).Contains(path, StringComparer.Ordinal) ? " (evidence.keepInClear lists it)"
                : unmarked.Contains(path) ? " (its system no longer marks it sensitive)"
                : string.Empty;
            Widen(_new.Map, "/evidence", FindingCodes.EvidenceWeaker, $"'{path}' is no longer redacted{why}: it is kept in clear");
        }

        if (after.Keep.Except(before.Keep).Any() || after.Redact.Except(before.Redact).Any())
        {
            Note(_new.Map, "/evidence", $"evidence kept [{string.Join(", ", after.Keep)}], redacted [{string.Join(", ", after.Redact)}] (was [{string.Join(", ", before.Keep)}], [{string.Join(", ", before.Redact)}])");
        }
    }

    /// <summary>
    /// An operation the workflow scopes whose declaration changed (method, path, record, body, answer checks) makes other
    /// calls under the same name: what a reviewer approved for the name is no longer what is sent.
    /// </summary>
    private void CompareDeclarations(WorkflowDefinition newWf)
    {
        if (_old.Catalogue.Catalogue.Declarations is null || _new.Catalogue.Catalogue.Declarations is null)
        {
            return;
        }

        // Where a step identity's token goes: a changed audience (or MCP endpoint) sends it, or takes it, elsewhere.
        foreach (var now in _new.Catalogue.Catalogue.Declarations.Where(d => newWf.Steps.Any(s => s.System == d.System)))
        {
            if (_old.Catalogue.Catalogue.Declarations.FirstOrDefault(d => d.System == now.System) is { } was && (was.Resource != now.Resource || was.Mcp != now.Mcp))
            {
                var at = newWf.Steps.ToList().FindIndex(s => s.System == now.System);
                Widen(_new.Map, $"/steps/{at}/system", FindingCodes.DeclarationChanged,
                    $"system '{now.System}' is declared differently in {now.File}: resource {now.Resource ?? "(default)"}{(now.Mcp is { } mcp ? $", endpoint {mcp.Path}" : string.Empty)} (was {was.Resource ?? "(default)"}{(was.Mcp is { } old ? $", endpoint {old.Path}" : string.Empty)})");
            }
        }

        for (var i = 0; i < newWf.Steps.Count; i++)
        {
            foreach (var operation in newWf.Steps[i].Scope.Operations)
            {
                if (_old.Catalogue.Catalogue.FindOperation(operation) is { } was && _new.Catalogue.Catalogue.FindOperation(operation) is { } now
                    && JsonSerializer.Serialize(was) != JsonSerializer.Serialize(now))
                {
                    var file = _new.Catalogue.Catalogue.Declarations.First(d => d.System == now.System).File;
                    Widen(_new.Map, $"/steps/{i}/scope/operations/{IndexOf(newWf.Steps[i].Scope.Operations, operation)}", FindingCodes.DeclarationChanged,
                        $"{operation} is declared differently in {file}: {now.Method} {string.Join(" or ", now.Paths)} (was {was.Method} {string.Join(" or ", was.Paths)})");
                }
            }
        }
    }

    private static string Kebab(Isolation isolation) => isolation == Isolation.SeparateWriter ? "separate-writer" : "shared-app";

    private static string Kebab(Delegation delegation) => delegation.ToString().ToLowerInvariant();

    private static int IndexOf(IReadOnlyList<string> list, string value) => list.ToList().IndexOf(value);

    private void Widen(SourceMap map, string path, string code, string message) => _changes.Add(map.At(path, Severity.Warning, code, message));

    private void Note(SourceMap map, string path, string message) => _changes.Add(map.At(path, Severity.Info, FindingCodes.Changed, message));
}

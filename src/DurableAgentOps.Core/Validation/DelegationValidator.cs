using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Validation;

/// <summary>
/// The rules for identities that act for a person (<c>actsFor: initiator</c>): declared, never implied; only on the
/// read and write steps that call a business system; never in the writer; and narrow enough to be judged. A delegated
/// call's target system checks the person's own rights from the token, but knows nothing of the declared scope, so the
/// guard must judge the record whole before the call (as it does for every write): the declaration must derive every
/// attribute the step's scope or the identity's grant limits, from data that exists before the call.
/// </summary>
internal static class DelegationValidator
{
    /// <summary>Who a delegated identity acts for, in messages.</summary>
    public const string Person = "the person who started the run";

    /// <summary>Catalogue rules: a delegated identity is never the writer's, and never calls a model.</summary>
    public static void CheckIdentity(IdentityCatalogue catalogue, SourceMap map, List<Finding> findings, IdentityDefinition identity, string path)
    {
        if (!identity.IsDelegated)
        {
            return;
        }

        if (identity.App == IdentityApp.Writer)
        {
            findings.Add(map.Error($"{path}/app", FindingCodes.DelegatedInWriter,
                $"identity '{identity.Name}' acts for {Person} (actsFor: initiator), but is attached to the writer (app: writer): the writer holds no person's session, "
                + "so it could get no token as them; remove 'app: writer' (a write made as the person runs in the main app), or make it a service identity"));
        }

        foreach (var grant in identity.Grants.Where(g => catalogue.FindSystem(g.System)?.Kind == SystemKind.Model))
        {
            findings.Add(map.Error($"{path}/grants/{SourceMap.Segment(grant.System)}", FindingCodes.DelegatedOutsideBusinessCall,
                $"identity '{identity.Name}' acts for {Person} (actsFor: initiator), but has a grant on model system '{grant.System}': only read and write calls to business systems act for a person; "
                + "call the model as a service identity"));
        }
    }

    /// <summary>Workflow rules for one step whose identity is known.</summary>
    public static void CheckStep(
        WorkflowDefinition workflow, IdentityCatalogue catalogue, SourceMap map, List<Finding> findings, StepDefinition step, int index, IdentityDefinition identity)
    {
        var path = $"/steps/{index}";
        if (step.ActsFor != Delegation.None && !identity.IsDelegated)
        {
            findings.Add(map.Error($"{path}/actsFor", FindingCodes.ActsForServiceIdentity,
                $"step '{step.Id}' says 'actsFor: initiator', but identity '{identity.Name}' is a service identity (it acts under its own authority): a step cannot make an identity act for someone; "
                + "run the step as an identity with 'actsFor: initiator' in the identity catalogue, or remove 'actsFor' from the step"));
        }

        if (!identity.IsDelegated)
        {
            return;
        }

        var system = step.System is null ? null : catalogue.FindSystem(step.System);
        if (step.Kind is StepKind.Draft or StepKind.Route || system?.Kind == SystemKind.Model)
        {
            var what = system?.Kind == SystemKind.Model ? $"calls model system '{system.Name}'" : $"is a {Kind(step.Kind)} step";
            findings.Add(map.Error($"{path}/identity", FindingCodes.DelegatedOutsideBusinessCall,
                $"step '{step.Id}' {what}, but identity '{identity.Name}' acts for {Person}: only read and write calls to business systems act for a person; give the step a service identity"));
            return;
        }

        if (step.Kind == StepKind.Write && step.ActsFor == Delegation.None)
        {
            findings.Add(map.Error($"{path}/identity", FindingCodes.DelegatedWriteNotExplicit,
                $"write step '{step.Id}' runs as identity '{identity.Name}', which acts for {Person}, but the step does not say so: a write made as a person is never implied by the identity alone; "
                + "add 'actsFor: initiator' to the step, or run it as a service identity"));
        }

        if (step.Kind == StepKind.Write && workflow.Isolation == Isolation.SeparateWriter)
        {
            findings.Add(map.Error($"{path}/identity", FindingCodes.DelegatedInWriter,
                $"write step '{step.Id}' runs in the writer (isolation: separate-writer), but identity '{identity.Name}' acts for {Person}: the writer holds no person's session, so it could get no token as them; "
                + "use isolation: shared-app for a write made as the person, or a writer identity (app: writer) that acts under its own authority"));
        }

        CheckJudgedWhole(workflow, catalogue, map, findings, step, index, identity);
    }

    /// <summary>
    /// Every attribute the step's scope or its identity's grant limits must be derived by each operation's declaration
    /// (<c>record.attributes</c>), from the input or the data of a step that runs before this one: otherwise the guard
    /// refuses every call (it cannot judge the record, and the system would not). Undeclared attributes of a write are
    /// DAO087 already.
    /// </summary>
    private static void CheckJudgedWhole(
        WorkflowDefinition workflow, IdentityCatalogue catalogue, SourceMap map, List<Finding> findings, StepDefinition step, int index, IdentityDefinition identity)
    {
        if (catalogue.Declarations is null || step.System is null)
        {
            return;
        }

        var path = $"/steps/{index}";
        var limited = step.Scope.Records.Keys.Concat(identity.GrantFor(step.System)?.Records.Keys ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (limited.Count == 0)
        {
            return;
        }

        // Read and write steps see the input and every earlier step's data (the call's own answer comes after it).
        var before = workflow.Steps.Take(index).Select(StepAliases.Of).Prepend(StepAliases.Input).Distinct(StringComparer.Ordinal).ToList();
        foreach (var operation in step.Scope.Operations)
        {
            if (catalogue.FindOperation(operation) is not { } declared)
            {
                continue;
            }

            var file = catalogue.Declarations.FirstOrDefault(d => d.System == declared.System)?.File ?? "its declaration";
            var known = declared.Record?.Attributes ?? new Dictionary<string, string>();
            foreach (var attribute in limited)
            {
                var at = step.Scope.Records.ContainsKey(attribute) ? $"{path}/scope/records/{SourceMap.Segment(attribute)}" : $"{path}/scope";
                if (!known.TryGetValue(attribute, out var source))
                {
                    if (step.Kind != StepKind.Write)
                    {
                        findings.Add(map.Error(at, FindingCodes.DelegatedRecordNotJudged,
                            $"step '{step.Id}' acts for {Person} and limits records by '{attribute}', but {operation}'s declaration does not say where a record's {attribute} comes from "
                            + $"(record.attributes: {(known.Count == 0 ? "none" : string.Join(", ", known.Keys))}): {WhyJudgedWhole}; add '{attribute}' to the record.attributes of {operation} in {file}{NearestName.Hint(attribute, known.Keys)}"));
                    }

                    continue;
                }

                var root = source.Split('.')[0];
                if (!before.Contains(root, StringComparer.Ordinal))
                {
                    findings.Add(map.Error(at, FindingCodes.DelegatedRecordNotJudged,
                        $"step '{step.Id}' acts for {Person} and limits records by '{attribute}', but {operation} takes a record's {attribute} from '{source}', which nothing before the call provides "
                        + $"(available before step '{step.Id}': {string.Join(", ", before)}): {WhyJudgedWhole}; read it in an earlier step, or declare another source in {file}"));
                }
                else if (VouchedFor(workflow, catalogue, index, attribute) is var vouched && !vouched.Contains(root, StringComparer.Ordinal))
                {
                    // The guard judges the value the call carries: it must come from a system that enforced the same limit
                    // on a token of its own, not from the input, a draft, a route or a read made as the person.
                    findings.Add(map.Error(at, FindingCodes.DelegatedRecordNotJudged,
                        $"step '{step.Id}' acts for {Person} and limits records by '{attribute}', but {operation} takes a record's {attribute} from '{source}', which no system vouches for: "
                        + $"only a read by a service identity limited by '{attribute}' does ({(vouched.Count == 0 ? "no earlier step is one" : "earlier: " + string.Join(", ", vouched))}); "
                        + $"the input, drafts, routes and reads made as the person could name any value; read the record under such an identity first, or declare another source in {file}"));
                }
            }
        }
    }

    /// <summary>
    /// The aliases of earlier read steps whose value of <paramref name="attribute"/> a system vouched for: read under a
    /// service identity whose grant or scope limits that attribute, so the system refused any record outside it.
    /// </summary>
    private static List<string> VouchedFor(WorkflowDefinition workflow, IdentityCatalogue catalogue, int index, string attribute) =>
        [.. workflow.Steps.Take(index)
            .Where(s => s.Kind == StepKind.Read && s.System is { } system && catalogue.Find(s.Identity) is { IsDelegated: false } reader
                && (s.Scope.Records.ContainsKey(attribute) || reader.GrantFor(system)?.Records.ContainsKey(attribute) == true))
            .Select(StepAliases.Of)];

    private const string WhyJudgedWhole =
        "a call made as a person is checked by the system against that person's own rights only, never the declared scope, so the guard judges the record whole before the call, and would refuse every one";

    private static string Kind(StepKind kind) => kind.ToString().ToLowerInvariant();
}

using System.Text.RegularExpressions;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Runs;

namespace DurableAgentOps.Core.Validation;

/// <summary>
/// Cross-reference rules for one workflow against the identity catalogue: the rules that answer "what identity,
/// what scope, what is automatic" before anything touches a live system.
/// </summary>
internal sealed class WorkflowValidator
{
    private const string SystemFilesName = "systems";

    private readonly WorkflowDefinition _workflow;
    private readonly IdentityCatalogue _catalogue;
    private readonly SourceMap _map;
    private readonly bool _haveCatalogue;
    private readonly List<Finding> _findings = [];

    private WorkflowValidator(WorkflowDefinition workflow, IdentityCatalogue catalogue, SourceMap map, bool haveCatalogue)
    {
        _workflow = workflow;
        _catalogue = catalogue;
        _map = map;
        _haveCatalogue = haveCatalogue;
    }

    public static List<Finding> Validate(WorkflowDefinition workflow, IdentityCatalogue catalogue, SourceMap map, bool haveCatalogue)
    {
        var validator = new WorkflowValidator(workflow, catalogue, map, haveCatalogue);
        validator.Run();
        return validator._findings;
    }

    private void Run()
    {
        CheckInput();
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _workflow.Steps.Count; i++)
        {
            var step = _workflow.Steps[i];
            if (step.Id.Length > 0 && !firstIndex.TryAdd(step.Id, i))
            {
                Error($"/steps/{i}/id", FindingCodes.DuplicateStepId, $"duplicate step id '{step.Id}' (first used by step {firstIndex[step.Id] + 1})");
            }
        }

        for (var i = 0; i < _workflow.Steps.Count; i++)
        {
            var step = _workflow.Steps[i];
            var path = $"/steps/{i}";
            CheckFrom(step, i, path, firstIndex);
            CheckOperations(step, path);
            CheckIdentity(step, i, path);
            CheckApproval(step, i, path, firstIndex);
            CheckRoutes(step, path);
            CheckTemplate(step, path);
            if (step.Retry?.Backoff is { } backoff)
            {
                CheckDuration(backoff, $"{path}/retry/backoff", "retry backoff");
            }
        }

        CheckGates();
        for (var i = 0; i < _workflow.Starters.Count; i++)
        {
            if (_workflow.Starters[i].Kind == StarterKind.Group)
            {
                CheckGroup(_workflow.Starters[i].Name, $"/starters/{i}/group", "starters");
            }
        }

        CheckDuration(_workflow.Evidence.Retention, "/evidence/retention", "evidence retention", mustBePositive: true);
        CheckRedaction();
        CheckRecordFields();
    }

    /// <summary>
    /// Every field a condition, a draft template or a redaction names on a read's record must be in that record's
    /// schema (the resource's <c>records</c> in its system declaration): a misspelled field would make a condition
    /// silently false, a draft empty, or a redaction redact nothing. A read resource with no schema is a warning (nothing
    /// can be checked); a sensitive field kept in clear is one too (<see cref="CheckKeptInClear"/>).
    /// </summary>
    private void CheckRecordFields()
    {
        if (_catalogue.Declarations is null)
        {
            return;
        }

        var schemas = new Dictionary<string, (string Resource, RecordSchema? Schema)>(StringComparer.Ordinal);
        foreach (var read in RecordRead.In(_workflow, _catalogue.Declarations))
        {
            var resource = read.Operation.Resource;
            schemas[read.Alias] = ($"{read.Operation.System}.{resource}", read.Schema);
            if (read.Schema is null)
            {
                _findings.Add(_map.Warning($"/steps/{read.Index}/operation", FindingCodes.RecordWithoutSchema,
                    $"step '{read.Step.Id}': {read.System.File} has no record schema for '{resource}' (records: {resource}: fields: ...); validate cannot check the fields this workflow names on it"));
            }
        }

        CheckKeptInClear();
        CheckRedactedNotRead();

        // The declared type of a field, or null when nothing is known of it (no schema) or it is not in the schema (reported).
        string? Check(string dataPath, string at, string what)
        {
            var parts = dataPath.Split('.');
            if (parts.Length < 2 || !schemas.TryGetValue(parts[0], out var known) || known.Schema is not { } schema)
            {
                return null;
            }

            if (schema.Fields.TryGetValue(parts[1], out var type))
            {
                return parts.Length == 2 ? type : null;
            }

            Error(at, FindingCodes.FieldNotInSchema,
                $"{what} names '{dataPath}', but a {known.Resource} record has no field '{parts[1]}' (fields: {string.Join(", ", schema.Fields.Keys)}){NearestName.Hint(parts[1], schema.Fields.Keys)}");
            return null;
        }

        // A condition over a field of a declared type must compare it with a literal of that type: the evaluator never
        // finds values of different kinds equal or ordered, so the condition would silently never hold.
        void CheckCondition(string condition, string at, string what)
        {
            if (Check(ConditionPath(condition), at, what) is not { } type || !Condition.IsValid(condition))
            {
                return;
            }

            var (op, kinds) = Routing.ConditionEvaluator.Describe(condition);
            var expected = type switch { "number" => "number", "boolean" => "boolean", "string" or "date" => "string", _ => null };
            if (expected is null)
            {
                Error(at, FindingCodes.ConditionTypeMismatch, $"{what} compares '{ConditionPath(condition)}', a field of type {type}, with a value: it never holds as written (compare one of its fields)");
            }
            else if (kinds.FirstOrDefault(k => k != expected) is { } other)
            {
                var quoted = expected == "string" ? " (quote it: 'value')" : expected == "number" ? " (write the number unquoted)" : string.Empty;
                Error(at, FindingCodes.ConditionTypeMismatch,
                    $"{what} compares '{ConditionPath(condition)}', a field of type {type}, with a {other}: values of different kinds are never equal nor ordered, so it never holds as written (== is always false, != always true){quoted}");
            }
            else if (expected == "boolean" && op is not ("==" or "!=" or "in"))
            {
                Error(at, FindingCodes.ConditionTypeMismatch, $"{what} orders '{ConditionPath(condition)}', a boolean, with '{op}': booleans have no order, so it is never true");
            }
        }

        for (var i = 0; i < _workflow.Steps.Count; i++)
        {
            var step = _workflow.Steps[i];
            for (var r = 0; r < step.Routes.Count; r++)
            {
                if (step.Routes[r].When is { } when)
                {
                    CheckCondition(when, $"/steps/{i}/routes/{r}/when", $"step '{step.Id}': route condition");
                }
            }

            if (step.Approval.When is { } approvalWhen)
            {
                CheckCondition(approvalWhen, $"/steps/{i}/approval/when", $"step '{step.Id}': approval condition");
            }

            foreach (var (output, text) in step.Template ?? new Dictionary<string, string>())
            {
                foreach (var (dataPath, _) in DraftTemplate.Placeholders(text))
                {
                    Check(dataPath, $"/steps/{i}/template/{string.Join('/', output.Split('.').Select(SourceMap.Segment))}", $"step '{step.Id}': template '{output}'");
                }
            }
        }

        for (var i = 0; i < _workflow.Evidence.Redact.Count; i++)
        {
            Check(_workflow.Evidence.Redact[i], $"/evidence/redact/{i}", "evidence.redact");
        }
    }

    /// <summary>
    /// Sensitive fields are redacted unless <c>evidence.keepInClear</c> lists them: each entry must be a sensitive field a
    /// read of this workflow takes in (anything else keeps nothing and hides a typo), must not also be redacted, and is
    /// a warning, so the choice shows in every validate.
    /// </summary>
    private void CheckKeptInClear()
    {
        var sensitive = Redaction.SensitiveReads(_workflow, _catalogue.Declarations);
        var kept = _workflow.Evidence.KeepInClear ?? [];
        for (var i = 0; i < kept.Count; i++)
        {
            var at = $"/evidence/keepInClear/{i}";
            if (sensitive.FirstOrDefault(f => f.Path == kept[i]) is not { } field)
            {
                var known = sensitive.Count == 0 ? "no read of this workflow takes in a sensitive field" : $"sensitive fields read: {string.Join(", ", sensitive.Select(f => f.Path).Distinct())}";
                Error(at, FindingCodes.KeepInClearNotSensitive, $"evidence.keepInClear: '{kept[i]}' is not a sensitive field a read of this workflow takes in ({known}); only those are redacted by default");
            }
            else if (_workflow.Evidence.Redact.Contains(kept[i], StringComparer.Ordinal))
            {
                Error(at, FindingCodes.KeepInClearNotSensitive, $"evidence.keepInClear: '{kept[i]}' is also listed in evidence.redact; choose one");
            }
            else
            {
                _findings.Add(_map.Warning(at, FindingCodes.SensitiveFieldKeptInClear,
                    $"step '{field.StepId}' reads {field.Path}, which {field.System} marks sensitive, and evidence.keepInClear keeps it in clear in history, status and evidence"));
            }
        }
    }

    /// <summary>
    /// A redacted value stands in run data as its digest marker: a route or approval condition over it could never see
    /// the value (an approval <c>when</c> would silently not ask), and a write's declared path, record id or attribute
    /// taken from it would send the marker to the system. Both are refused; keep the field in clear, or use another.
    /// </summary>
    private void CheckRedactedNotRead()
    {
        var redacted = Redaction.Paths(_workflow, _catalogue.Declarations);
        string? RedactedUnder(string path) => redacted.FirstOrDefault(r => path == r || path.StartsWith(r + ".", StringComparison.Ordinal) || r.StartsWith(path + ".", StringComparison.Ordinal));
        var how = "the run holds only a digest of it; condition on another field, or keep it in clear (evidence.keepInClear for a sensitive field, else leave it off evidence.redact)";
        for (var i = 0; i < _workflow.Steps.Count; i++)
        {
            var step = _workflow.Steps[i];
            for (var r = 0; r < step.Routes.Count; r++)
            {
                if (step.Routes[r].When is { } when && RedactedUnder(ConditionPath(when)) is { } hidden)
                {
                    Error($"/steps/{i}/routes/{r}/when", FindingCodes.RedactedValueRead, $"step '{step.Id}': route condition reads '{hidden}', which this workflow redacts: {how}");
                }
            }

            if (step.Approval.When is { } approvalWhen && RedactedUnder(ConditionPath(approvalWhen)) is { } hiddenWhen)
            {
                Error($"/steps/{i}/approval/when", FindingCodes.RedactedValueRead, $"step '{step.Id}': approval condition reads '{hiddenWhen}', which this workflow redacts: {how}");
            }

            if (step.Kind != StepKind.Write)
            {
                continue; // a read or draft step reveals its data inside its activity; only a write builds its call from stored data
            }

            foreach (var operation in step.Scope.Operations.Append(step.Operation).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                if (_catalogue.FindOperation(operation) is not { } declared)
                {
                    continue;
                }

                var taken = declared.Paths.SelectMany(PathTemplate.Placeholders)
                    .Concat(declared.Record?.Id ?? []).Concat(declared.Record?.Attributes.Values ?? []);
                if (taken.Select(RedactedUnder).FirstOrDefault(h => h is not null) is { } sent)
                {
                    Error($"/steps/{i}/operation", FindingCodes.RedactedValueRead,
                        $"step '{step.Id}': {operation} takes '{sent}' into its path or record from run data, but this workflow redacts it: the system would receive its digest marker; keep it in clear or declare another source");
                }
            }
        }
    }

    /// <summary>The data path a condition reads: its first word (<c>path op value</c>).</summary>
    private static string ConditionPath(string condition) => condition.TrimStart().Split(' ', 2)[0];

    /// <summary>A redaction path names data by the alias a step's output goes by; one that no step produces redacts nothing.</summary>
    private void CheckRedaction()
    {
        var aliases = _workflow.Steps.Select(StepAliases.Of).Prepend(StepAliases.Input).Distinct(StringComparer.Ordinal).ToList();
        for (var i = 0; i < _workflow.Evidence.Redact.Count; i++)
        {
            var path = _workflow.Evidence.Redact[i];
            var alias = path.Split('.')[0];
            if (!aliases.Contains(alias, StringComparer.Ordinal) || !path.Contains('.', StringComparison.Ordinal))
            {
                _findings.Add(_map.Warning($"/evidence/redact/{i}", FindingCodes.RedactPathMatchesNothing,
                    $"redaction path '{path}' redacts nothing: its first part must be the data of a step of this workflow ({string.Join(", ", aliases)})"));
            }
        }
    }

    private void CheckInput()
    {
        foreach (var field in _workflow.Input.Where(f => f.Pattern is not null))
        {
            try
            {
                // Compiled as it runs (anchored): a pattern valid alone can break once wrapped, e.g. by an (?x) comment.
                _ = new Regex(InputPattern.Anchor(field.Pattern!), RegexOptions.CultureInvariant, InputPattern.Timeout);
            }
            catch (ArgumentException ex)
            {
                Error($"/input/{SourceMap.Segment(field.Name)}/pattern", FindingCodes.InvalidPattern, $"input '{field.Name}': pattern is not a valid regular expression: {ex.Message}");
            }
        }
    }

    private void CheckFrom(StepDefinition step, int index, string path, Dictionary<string, int> firstIndex)
    {
        for (var j = 0; j < step.From.Count; j++)
        {
            var source = step.From[j];
            if (!firstIndex.TryGetValue(source, out var sourceIndex))
            {
                Error($"{path}/from/{j}", FindingCodes.FromMissingStep, $"step '{step.Id}': 'from' names '{source}', which is not a step of this workflow{NearestName.Hint(source, StepIds)}");
            }
            else if (sourceIndex >= index)
            {
                Error($"{path}/from/{j}", FindingCodes.FromLaterStep, $"step '{step.Id}': 'from' names '{source}', which does not run before it (steps run in file order)");
            }
        }
    }

    /// <summary>
    /// A template belongs to a draft step, and each placeholder must name data the step gets (the input, or a step in its
    /// <c>from</c>): a misspelled path would draft an empty value that an approver might not notice.
    /// </summary>
    private void CheckTemplate(StepDefinition step, string path)
    {
        if (step.Template is not { } template)
        {
            return;
        }

        if (step.Kind != StepKind.Draft)
        {
            Error($"{path}/template", FindingCodes.TemplateOnNonDraftStep, $"step '{step.Id}' is a {Kind(step.Kind)} step; only draft steps have a 'template'");
            return;
        }

        var roots = step.From.Select(_workflow.FindStep).OfType<StepDefinition>().Select(StepAliases.Of).Append(StepAliases.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var (output, text) in template)
        {
            var at = $"{path}/template/{string.Join('/', output.Split('.').Select(SourceMap.Segment))}";
            foreach (var (dataPath, filter) in DraftTemplate.Placeholders(text))
            {
                if (!PathTemplate.IsDataPath(dataPath))
                {
                    Error(at, FindingCodes.InvalidValue, $"step '{step.Id}': template '{output}' has placeholder '{{{dataPath}}}', which is not a dotted path into the step's data");
                }
                else if (!roots.Contains(dataPath.Split('.')[0]))
                {
                    Error(at, FindingCodes.TemplateDataNotAvailable, $"step '{step.Id}': template '{output}' names '{dataPath}', but the step gets only {string.Join(", ", roots.Order(StringComparer.Ordinal))}; add the step that provides it to 'from'");
                }

                if (DraftTemplate.FilterProblem(filter) is { } problem)
                {
                    Error(at, FindingCodes.InvalidValue, $"step '{step.Id}': template '{output}': {problem}");
                }
            }
        }
    }

    private void CheckOperations(StepDefinition step, string path)
    {
        if (step.Operation is { } operation)
        {
            if (CheckOperationName(step, operation, $"{path}/operation") is { } op)
            {
                if (!step.Scope.Operations.Contains(operation))
                {
                    Error($"{path}/operation", FindingCodes.OperationNotInScope, $"step '{step.Id}': operation {operation} is not listed in its scope.operations");
                }

                var isWrite = _catalogue.IsWrite(operation);
                if ((step.Kind == StepKind.Write && !isWrite) || (step.Kind != StepKind.Write && isWrite))
                {
                    Error($"{path}/operation", FindingCodes.KindOperationMismatch, step.Kind == StepKind.Write
                        ? $"step '{step.Id}' is a write step but {op} does not change a business system"
                        : $"step '{step.Id}' is a {Kind(step.Kind)} step but {op} changes a business system; only write steps may write");
                }
            }
        }

        for (var j = 0; j < step.Scope.Operations.Count; j++)
        {
            CheckOperationName(step, step.Scope.Operations[j], $"{path}/scope/operations/{j}");
        }

        CheckWriteAttributesDeclared(step, path);

        // The guard lets a write touch only the fields its scope lists; a missing scope is reported by the binder.
        if (step.Kind == StepKind.Write && step.Scope.Fields.Count == 0 && _map.Contains($"{path}/scope"))
        {
            Error($"{path}/scope", FindingCodes.WriteScopeWithoutFields, $"write step '{step.Id}': scope lists no 'fields', so it may write none; list the fields it writes");
        }
    }

    /// <summary>
    /// A write's scope (and its identity's grant) limits records by attributes (region, entity); each write operation's
    /// declaration must say where each of them comes from (record.attributes), or the guard could never judge it and
    /// every such write is refused at run time: a limit that reads as a promise and cannot hold.
    /// </summary>
    private void CheckWriteAttributesDeclared(StepDefinition step, string path)
    {
        if (step.Kind != StepKind.Write || _catalogue.Declarations is null || step.System is null)
        {
            return;
        }

        var grant = _catalogue.Find(step.Identity)?.GrantFor(step.System);
        var limited = step.Scope.Records.Keys.Concat(grant?.Records.Keys ?? []).Distinct(StringComparer.Ordinal).ToList();
        foreach (var operation in step.Scope.Operations.Where(_catalogue.IsWrite))
        {
            if (_catalogue.FindOperation(operation) is not { } declared)
            {
                continue;
            }

            var known = declared.Record?.Attributes.Keys.ToList() ?? [];
            foreach (var attribute in limited.Where(a => !known.Contains(a, StringComparer.Ordinal)))
            {
                var at = step.Scope.Records.ContainsKey(attribute) ? $"{path}/scope/records/{SourceMap.Segment(attribute)}" : $"{path}/scope";
                Error(at, FindingCodes.ScopeAttributeNotDeclared,
                    $"step '{step.Id}' limits records by '{attribute}', but {operation}'s declaration does not say where a record's {attribute} comes from "
                    + $"(record.attributes: {(known.Count == 0 ? "none" : string.Join(", ", known))}): the guard could not judge it, and the write would be refused{NearestName.Hint(attribute, known)}");
            }
        }
    }

    private OperationName? CheckOperationName(StepDefinition step, string operation, string path)
    {
        if (!OperationName.TryParse(operation, out var op))
        {
            Error(path, FindingCodes.InvalidValue, $"step '{step.Id}': '{operation}' is not an operation name (<system>.<resource>.<verb>, e.g. crm.accounts.read)");
            return null;
        }

        if (step.System is null || op.System != step.System)
        {
            Error(path, FindingCodes.OperationSystemMismatch, step.System is null
                ? $"step '{step.Id}': operation {op} needs 'system: {op.System}' on the step"
                : $"step '{step.Id}': operation {op} is not in the step's system '{step.System}'");
            return op;
        }

        if (!_haveCatalogue)
        {
            return op;
        }

        if (_catalogue.FindSystem(op.System) is not { } system)
        {
            Error(path, FindingCodes.UnknownSystem, $"step '{step.Id}': system '{op.System}' is not in the identity catalogue's systems{NearestName.Hint(op.System, _catalogue.Systems.Select(s => s.Name))}");
        }
        else if (!system.Resources.Contains(op.Resource))
        {
            Error(path, FindingCodes.UnknownOperation, $"step '{step.Id}': '{op.Resource}' is not a resource of system '{op.System}' (known: {string.Join(", ", system.Resources)}){NearestName.Hint(op.Resource, system.Resources)}");
        }
        else if (system.Kind == SystemKind.Business && _catalogue.Declarations is { } declared && _catalogue.FindOperation(operation) is null)
        {
            // Caught here, not when a run first calls it: a business operation is an HTTP call only its declaration describes.
            var declaration = declared.FirstOrDefault(d => d.System == op.System);
            Error(path, FindingCodes.OperationNotDeclared, declaration is null
                ? $"step '{step.Id}': system '{op.System}' has no declaration; add {SystemFilesName}/{op.System}.yaml beside identities.yaml declaring {op}"
                : $"step '{step.Id}': {op} is not declared in {declaration.File} (declared: {string.Join(", ", declaration.Operations.Select(o => o.Name))}){NearestName.Hint(operation, declaration.Operations.Select(o => o.Name))}");
        }

        return op;
    }

    private void CheckIdentity(StepDefinition step, int index, string path)
    {
        if (!_haveCatalogue || step.Identity.Length == 0)
        {
            return;
        }

        if (_catalogue.Find(step.Identity) is not { } identity)
        {
            Error($"{path}/identity", FindingCodes.UnknownIdentity, $"step '{step.Id}': identity '{step.Identity}' is not in the identity catalogue{NearestName.Hint(step.Identity, _catalogue.Identities.Select(i => i.Name))}");
            return;
        }

        CheckScopeAgainstGrants(step, identity, path);
        var writeGrants = identity.GrantedOperations.Where(_catalogue.IsWrite).ToList();
        if (step.Kind != StepKind.Write && writeGrants.Count > 0)
        {
            Error($"{path}/identity", FindingCodes.NonWriteStepHoldsWriteGrant, $"step '{step.Id}' is a {Kind(step.Kind)} step but identity '{identity.Name}' holds write grants ({string.Join(", ", writeGrants)}); give it a read-only identity");
        }

        if (step.Kind is StepKind.Read or StepKind.Draft &&
            _workflow.Steps.FirstOrDefault(s => s.Kind == StepKind.Write && s.Identity == identity.Name) is { } writer)
        {
            Error($"{path}/identity", FindingCodes.IdentityWritesAndReads, $"identity '{identity.Name}' is used by write step '{writer.Id}' and by {Kind(step.Kind)} step '{step.Id}'; use separate identities");
        }

        CheckIsolation(step, identity, path);
        DelegationValidator.CheckStep(_workflow, _catalogue, _map, _findings, step, index, identity);
        if (step.Kind == StepKind.Draft)
        {
            var business = identity.Grants.Where(g => _catalogue.FindSystem(g.System)?.Kind == SystemKind.Business).Select(g => g.System).ToList();
            if (business.Count > 0)
            {
                Error($"{path}/identity", FindingCodes.DrafterHasBusinessGrants, $"draft step '{step.Id}': identity '{identity.Name}' has grants on business systems ({string.Join(", ", business)}); a drafter may only call the model");
            }
        }
    }

    /// <summary>
    /// A writer identity is held by the writer alone, which runs only the write steps of separate-writer workflows; such a
    /// step must run as one, and its approval must not depend on a condition the writer cannot check for itself.
    /// </summary>
    private void CheckIsolation(StepDefinition step, IdentityDefinition identity, string path)
    {
        var inWriter = step.Kind == StepKind.Write && _workflow.Isolation == Isolation.SeparateWriter;
        if (identity.App == IdentityApp.Writer && !inWriter)
        {
            Error($"{path}/identity", FindingCodes.WriterIdentityOutsideWriter,
                $"step '{step.Id}' runs in the main app, but identity '{identity.Name}' is attached to the writer (app: writer): only write steps of separate-writer workflows run there");
        }
        else if (inWriter && identity.App != IdentityApp.Writer && !identity.IsDelegated)
        {
            // A delegated identity is refused there for another reason (DAO028): the writer holds no person's session.
            Error($"{path}/identity", FindingCodes.SeparateWriterWithMainIdentity,
                $"write step '{step.Id}' runs in the writer (isolation: separate-writer), but identity '{identity.Name}' is attached to the main app; add 'app: writer' to it in the identity catalogue");
        }

        if (inWriter && ConditionalApproval(step) is { } why)
        {
            Error($"{path}/approval", FindingCodes.SeparateWriterConditionalApproval,
                $"write step '{step.Id}': {why}; under isolation: separate-writer the writer writes only changes approved at a gate, so every path must pass one");
        }
    }

    private string? ConditionalApproval(StepDefinition step) => step.Approval.Mode switch
    {
        ApprovalMode.Gate when step.Approval.When is not null => $"its gate applies only when {step.Approval.When}",
        ApprovalMode.Routed when _workflow.FindStep(step.Approval.RouteStep!) is { } route && route.Routes.Any(r => r.Gate is null) =>
            $"route step '{route.Id}' has a route without a gate",
        ApprovalMode.None => "it declares no approval",
        _ => null,
    };

    private void CheckScopeAgainstGrants(StepDefinition step, IdentityDefinition identity, string path)
    {
        var granted = identity.GrantedOperations.ToHashSet(StringComparer.Ordinal);
        for (var j = 0; j < step.Scope.Operations.Count; j++)
        {
            var operation = step.Scope.Operations[j];
            if (OperationName.TryParse(operation, out _) && !granted.Contains(operation))
            {
                Error($"{path}/scope/operations/{j}", FindingCodes.OperationNotGranted, $"step '{step.Id}': scope is wider than identity '{identity.Name}' allows: {operation} is not granted");
            }
        }

        if (step.System is null)
        {
            return;
        }

        var grant = identity.GrantFor(step.System);
        var grantedFields = grant?.Fields ?? [];
        for (var j = 0; j < step.Scope.Fields.Count; j++)
        {
            if (!grantedFields.Contains(step.Scope.Fields[j]))
            {
                Error($"{path}/scope/fields/{j}", FindingCodes.FieldNotGranted, $"step '{step.Id}': field '{step.Scope.Fields[j]}' is not writable by identity '{identity.Name}' in {step.System}");
            }
        }

        if (grant is null)
        {
            return;
        }

        foreach (var (attribute, allowed) in grant.Records)
        {
            if (!step.Scope.Records.TryGetValue(attribute, out var declared))
            {
                Error($"{path}/scope", FindingCodes.RecordsWiderThanGrant, $"step '{step.Id}': scope does not limit records by '{attribute}', but identity '{identity.Name}' may only touch {attribute} {string.Join(", ", allowed)}");
                continue;
            }

            foreach (var value in declared.Where(v => !allowed.Contains(v)))
            {
                Error($"{path}/scope/records/{SourceMap.Segment(attribute)}", FindingCodes.RecordsWiderThanGrant, $"step '{step.Id}': records {attribute} '{value}' are outside identity '{identity.Name}''s grant ({string.Join(", ", allowed)})");
            }
        }
    }

    private void CheckApproval(StepDefinition step, int index, string path, Dictionary<string, int> firstIndex)
    {
        var approval = step.Approval;
        var at = $"{path}/approval";
        if (step.Kind != StepKind.Write)
        {
            if (approval.Mode != ApprovalMode.Unspecified)
            {
                Error(at, FindingCodes.ApprovalOnNonWriteStep, $"step '{step.Id}': only write steps take an approval; a {Kind(step.Kind)} step changes nothing");
            }

            return;
        }

        switch (approval.Mode)
        {
            case ApprovalMode.Unspecified:
                Error(path, FindingCodes.WriteWithoutGate, $"write step '{step.Id}' has no approval gate; add 'approval: <gate>' or 'approval: none' with a 'justification'");
                break;
            case ApprovalMode.None when string.IsNullOrWhiteSpace(approval.Justification):
                Error(at, FindingCodes.WriteWithoutGate, $"write step '{step.Id}' says 'approval: none' without a 'justification'");
                break;
            case ApprovalMode.None:
                _findings.Add(_map.Warning(at, FindingCodes.WriteApprovalNone, $"write step '{step.Id}' writes without approval: {approval.Justification}"));
                break;
            case ApprovalMode.Gate when approval.Gate is not null && _workflow.FindGate(approval.Gate) is null:
                Error(approval.When is null ? at : $"{at}/gate", FindingCodes.UnknownGate, $"step '{step.Id}': approval names gate '{approval.Gate}', which is not under 'gates'{NearestName.Hint(approval.Gate, GateIds)}");
                break;
            case ApprovalMode.Routed:
                CheckRoutedApproval(step, index, at, approval.RouteStep!, firstIndex);
                break;
        }

        if (approval.When is not null)
        {
            CheckCondition(step, "approval", approval.When, $"{at}/when");
        }
    }

    private void CheckRoutedApproval(StepDefinition step, int index, string at, string routeStep, Dictionary<string, int> firstIndex)
    {
        if (!firstIndex.TryGetValue(routeStep, out var routeIndex) || _workflow.Steps[routeIndex].Kind != StepKind.Route)
        {
            Error($"{at}/route", FindingCodes.UnknownGate, $"step '{step.Id}': approval route '{routeStep}' is not a route step of this workflow{NearestName.Hint(routeStep, _workflow.Steps.Where(s => s.Kind == StepKind.Route).Select(s => s.Id))}");
            return;
        }

        if (routeIndex >= index)
        {
            Error($"{at}/route", FindingCodes.FromLaterStep, $"step '{step.Id}': approval route '{routeStep}' does not run before it");
        }

        var routes = _workflow.Steps[routeIndex].Routes;
        for (var r = 0; r < routes.Count; r++)
        {
            if (routes[r].Gate is null)
            {
                Error($"/steps/{routeIndex}/routes/{r}", FindingCodes.RouteWithoutGate, $"route '{routes[r].To}' of step '{routeStep}' names no gate, but write step '{step.Id}' takes its approval from that route");
            }
        }
    }

    private void CheckRoutes(StepDefinition step, string path)
    {
        for (var r = 0; r < step.Routes.Count; r++)
        {
            var route = step.Routes[r];
            var at = $"{path}/routes/{r}";
            if (route.When is null && r != step.Routes.Count - 1)
            {
                Error(at, FindingCodes.InvalidCondition, $"step '{step.Id}': route '{route.To}' has no 'when' but is not the last route (it would hide the routes after it)");
            }
            else if (route.When is not null)
            {
                CheckCondition(step, "route", route.When, $"{at}/when");
            }

            if (route.Gate is not null && _workflow.FindGate(route.Gate) is null)
            {
                Error($"{at}/gate", FindingCodes.UnknownGate, $"step '{step.Id}': route '{route.To}' names gate '{route.Gate}', which is not under 'gates'{NearestName.Hint(route.Gate, GateIds)}");
            }
        }

        if (step.Kind != StepKind.Route && step.Routes.Count > 0)
        {
            Error($"{path}/routes", FindingCodes.InvalidValue, $"step '{step.Id}': only route steps have 'routes'");
        }
    }

    private void CheckCondition(StepDefinition step, string what, string condition, string path)
    {
        if (!Condition.IsValid(condition))
        {
            Error(path, FindingCodes.InvalidCondition, $"step '{step.Id}': {what} condition '{condition}' is not '<path> <op> <value>' (ops: == != < <= > >= in)");
        }
    }

    private void CheckGates()
    {
        foreach (var gate in _workflow.Gates)
        {
            var path = $"/gates/{SourceMap.Segment(gate.Id)}";
            if (gate.Approvers.Count == 0)
            {
                Error($"{path}/approvers", FindingCodes.GateWithoutApprovers, $"gate '{gate.Id}' has no approvers");
            }
            else if (gate.Quorum > gate.Approvers.Count)
            {
                Error($"{path}/quorum", FindingCodes.QuorumTooLarge, $"gate '{gate.Id}': quorum {gate.Quorum} is larger than its {gate.Approvers.Count} approver(s)");
            }

            for (var a = 0; a < gate.Approvers.Count; a++)
            {
                if (gate.Approvers[a].Kind == ApproverKind.Group)
                {
                    CheckGroup(gate.Approvers[a].Name, $"{path}/approvers/{a}/group", $"gate '{gate.Id}'");
                }
            }

            CheckDuration(gate.Timeout, $"{path}/timeout", $"gate '{gate.Id}' timeout", mustBePositive: true);
            for (var r = 0; r < gate.Reminders.Count; r++)
            {
                CheckDuration(gate.Reminders[r], $"{path}/reminders/{r}", $"gate '{gate.Id}' reminder", mustBePositive: true);
            }

            if (gate.Escalation is { } escalation)
            {
                CheckDuration(escalation.After, $"{path}/escalation/after", $"gate '{gate.Id}' escalation", mustBePositive: true);
                if (_workflow.FindGate(escalation.To) is null)
                {
                    Error($"{path}/escalation/to", FindingCodes.UnknownGate, $"gate '{gate.Id}' escalates to '{escalation.To}', which is not under 'gates'{NearestName.Hint(escalation.To, GateIds)}");
                }
                else if (EscalationReturns(gate) is { } cycle)
                {
                    Error($"{path}/escalation/to", FindingCodes.EscalationLoop, $"gate '{gate.Id}': escalation loops back ({string.Join(" -> ", cycle)})");
                }
            }
            else if (gate.OnTimeout == TimeoutAction.Escalate)
            {
                Error($"{path}/onTimeout", FindingCodes.TimeoutEscalateWithoutEscalation, $"gate '{gate.Id}': onTimeout is escalate but the gate has no escalation");
            }

            CheckGateTimes(gate, path);
            CheckStartersMayApprove(gate, path);
        }

        CheckEvidenceKeepsWhatGatesNeed();
    }

    /// <summary>
    /// An escalation or a reminder due at or after the deadline never happens: the gate reads stronger than it is
    /// (onTimeout: escalate is the way to hand over at the deadline).
    /// </summary>
    private void CheckGateTimes(GateDefinition gate, string path)
    {
        if (!IsoDuration.TryParse(gate.Timeout, out var timeout) || timeout <= TimeSpan.Zero)
        {
            return;
        }

        // At the deadline itself an escalation is what onTimeout: escalate does; anything later never comes.
        if (gate.Escalation is { } escalation && IsoDuration.TryParse(escalation.After, out var after)
            && (after > timeout || (after == timeout && gate.OnTimeout != TimeoutAction.Escalate)))
        {
            Error($"{path}/escalation/after", FindingCodes.EscalationNeverFires,
                $"gate '{gate.Id}': escalation after {escalation.After} can never fire, the gate times out at {gate.Timeout}; escalate earlier, or use onTimeout: escalate");
        }

        for (var r = 0; r < gate.Reminders.Count; r++)
        {
            if (IsoDuration.TryParse(gate.Reminders[r], out var reminder) && reminder >= timeout)
            {
                _findings.Add(_map.Warning($"{path}/reminders/{r}", FindingCodes.ReminderNeverSent,
                    $"gate '{gate.Id}': reminder at {gate.Reminders[r]} is never sent, the gate times out at {gate.Timeout}"));
            }
        }
    }

    /// <summary>
    /// With separation of duties off, a person who may start a run and is also named as an approver can approve their
    /// own change: the gate then holds for nobody but them.
    /// </summary>
    private void CheckStartersMayApprove(GateDefinition gate, string path)
    {
        if (gate.SeparationOfDuties)
        {
            return;
        }

        var starters = _workflow.Starters.Where(s => s.Kind is StarterKind.Person or StarterKind.Group)
            .Select(s => (s.Kind == StarterKind.Person ? ApproverKind.Person : ApproverKind.Group, s.Name)).ToHashSet();
        var both = gate.Approvers.Where(a => _workflow.Starters.Count == 0 || starters.Contains((a.Kind, a.Name))).ToList();
        if (both.Count > 0)
        {
            var who = _workflow.Starters.Count == 0
                ? "anyone holding the starter role may start a run, approvers included"
                : $"{string.Join(", ", both.Select(a => $"{a.Kind.ToString().ToLowerInvariant()} {a.Name}"))} may both start a run and approve it";
            _findings.Add(_map.Warning($"{path}/separationOfDuties", FindingCodes.StarterMayApproveOwnRun,
                $"gate '{gate.Id}': separation of duties is off and {who}; the initiator could approve their own change"));
        }
    }

    /// <summary>
    /// Evidence that drops approvals or writes cannot show who approved what was written: a workflow with a gate must
    /// keep approvals, and one with a write step must keep writes (and the reads and drafts the change came from).
    /// </summary>
    private void CheckEvidenceKeepsWhatGatesNeed()
    {
        var keep = _workflow.Evidence.Keep;
        var needed = new List<(string Kind, string Why)>();
        if (_workflow.Gates.Count > 0)
        {
            needed.Add(("approvals", "the workflow has gates"));
        }

        if (_workflow.Steps.Any(s => s.Kind == StepKind.Write))
        {
            needed.Add(("writes", "the workflow writes"));
            needed.Add(("drafts", "a write sends what a draft made"));
        }

        foreach (var (kind, why) in needed.Where(n => !keep.Contains(n.Kind, StringComparer.Ordinal)))
        {
            Error("/evidence/keep", FindingCodes.EvidenceMissesWhatGatesNeed, $"evidence.keep leaves out '{kind}', but {why}: the evidence could not show who approved what was changed");
        }
    }

    /// <summary>A group is known by its object id, and only the catalogue says which: a name it lacks matches nobody.</summary>
    private void CheckGroup(string name, string path, string what)
    {
        // An invalid name is already reported by the binder.
        if (_haveCatalogue && Names.IsValid(name) && _catalogue.FindGroup(name) is null)
        {
            Error(path, FindingCodes.UnknownGroup, $"{what}: group '{name}' is not under 'groups' in the identity catalogue{NearestName.Hint(name, _catalogue.Groups.Select(g => g.Name))}");
        }
    }

    /// <summary>The chain from <paramref name="start"/> when it comes back to <paramref name="start"/>; null when it ends.</summary>
    private List<string>? EscalationReturns(GateDefinition start)
    {
        var chain = new List<string> { start.Id };
        var current = start;
        while (current.Escalation is { } next && _workflow.FindGate(next.To) is { } target)
        {
            chain.Add(target.Id);
            if (target.Id == start.Id)
            {
                return chain;
            }

            if (chain.Count > _workflow.Gates.Count + 1)
            {
                return null; // A loop that does not include start: reported at the gates inside it.
            }

            current = target;
        }

        return null;
    }

    private void CheckDuration(string value, string path, string what, bool mustBePositive = false)
    {
        if (value.Length == 0)
        {
            return; // Reported as missing by the binder.
        }

        if (!IsoDuration.TryParse(value, out var duration))
        {
            Error(path, FindingCodes.InvalidDuration, $"{what} '{value}' is not an ISO 8601 duration (e.g. PT30M, PT4H, P2D, P1W)");
        }
        else if (mustBePositive && duration <= TimeSpan.Zero)
        {
            Error(path, FindingCodes.InvalidDuration, $"{what} must be longer than zero");
        }
    }

    private IEnumerable<string> StepIds => _workflow.Steps.Select(s => s.Id);

    private IEnumerable<string> GateIds => _workflow.Gates.Select(g => g.Id);

    private void Error(string path, string code, string message) => _findings.Add(_map.Error(path, code, message));

    private static string Kind(StepKind kind) => kind.ToString().ToLowerInvariant();
}

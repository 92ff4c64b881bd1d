using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Validation;

/// <summary>Rules for one system declaration against the identity catalogue and the declarations read before it.</summary>
internal static class SystemDeclarationValidator
{
    public static List<Finding> Validate(SystemDeclaration declaration, IdentityCatalogue catalogue, IReadOnlyList<SystemDeclaration> earlier, SourceMap map)
    {
        var findings = new List<Finding>();
        if (declaration.System.Length == 0)
        {
            return findings;
        }

        if (earlier.FirstOrDefault(d => d.System == declaration.System) is { } first)
        {
            findings.Add(map.Error("/system", FindingCodes.DuplicateSystemDeclaration, $"system '{declaration.System}' is already declared by {first.File}; declare each system in one file"));
        }

        // A token is for one audience: two systems that share one would each accept a token meant for the other.
        if (declaration.Resource is { } resource && earlier.FirstOrDefault(d => d.System != declaration.System && d.Resource == resource) is { } sharing)
        {
            findings.Add(map.Error("/resource", FindingCodes.SharedResource,
                $"system '{declaration.System}' asks for tokens for '{resource}', as system '{sharing.System}' does ({sharing.File}): a token for either would be accepted by both; give each system its own resource"));
        }

        if (PlatformAudiences.IsPlatform(declaration.Resource))
        {
            findings.Add(map.Error("/resource", FindingCodes.PlatformAudience,
                $"system '{declaration.System}' asks for tokens for '{declaration.Resource}', an audience of the Azure platform itself: the system would receive a token that acts on the platform as the step identity; use the system's own application ID URI"));
        }

        if (catalogue.FindSystem(declaration.System) is not { Kind: SystemKind.Business } system)
        {
            findings.Add(map.Error("/system", FindingCodes.UnknownSystem, $"system '{declaration.System}' is not a business system under 'systems' in identities.yaml{NearestName.Hint(declaration.System, catalogue.Systems.Where(s => s.Kind == SystemKind.Business).Select(s => s.Name))}"));
            return findings;
        }

        foreach (var record in (declaration.Records ?? new Dictionary<string, RecordSchema>()).Keys.Where(r => !system.Resources.Contains(r)))
        {
            findings.Add(map.Error($"/records/{SourceMap.Segment(record)}", FindingCodes.UnknownOperation,
                $"record '{record}' is not a resource of system '{system.Name}' (known: {string.Join(", ", system.Resources)}){NearestName.Hint(record, system.Resources)}"));
        }

        foreach (var operation in declaration.Operations)
        {
            var path = $"/operations/{SourceMap.Segment(operation.Name[(system.Name.Length + 1)..])}";
            if (!OperationName.TryParse(operation.Name, out var op))
            {
                continue;
            }

            if (!system.Resources.Contains(op.Resource))
            {
                findings.Add(map.Error(path, FindingCodes.UnknownOperation, $"operation {operation.Name}: '{op.Resource}' is not a resource of system '{system.Name}' (known: {string.Join(", ", system.Resources)}){NearestName.Hint(op.Resource, system.Resources)}"));
            }

            foreach (var problem in Problems(operation, op))
            {
                findings.Add(map.Error(path, FindingCodes.InvalidOperationDeclaration, $"operation {operation.Name}: {problem}"));
            }

            findings.AddRange(FieldsNotInSchema(declaration, operation, op, path, map));
        }

        return findings;
    }

    /// <summary>
    /// Every run-data path an operation names on a record this declaration describes (<c>account.region</c> for the
    /// accounts record) must be a field of that record, and every answer field a <c>mustMatch</c> compares must be one
    /// of the operation's own record: a misspelled attribute would leave a write unjudged (refused at run time), a
    /// misspelled answer check would refuse every answer.
    /// </summary>
    private static IEnumerable<Finding> FieldsNotInSchema(SystemDeclaration declaration, OperationDeclaration operation, OperationName op, string path, SourceMap map)
    {
        if (declaration.Records is not { Count: > 0 } records)
        {
            yield break;
        }

        // Two resources may share a singular (status, statuses): such an alias names neither for sure, so it is not checked.
        var byAlias = records.GroupBy(r => StepAliases.Singular(r.Key), StringComparer.Ordinal).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => (Resource: g.First().Key, Schema: g.First().Value), StringComparer.Ordinal);
        var named = new List<(string DataPath, string At)>();
        var record = operation.Record;
        named.AddRange((record?.Id ?? []).Select((p, i) => (p, record!.Id.Count > 1 ? $"{path}/record/id/{i}" : $"{path}/record/id")));
        named.AddRange((record?.Attributes ?? new Dictionary<string, string>()).Select(a => (a.Value, $"{path}/record/attributes/{SourceMap.Segment(a.Key)}")));
        named.AddRange((operation.Body?.Set ?? new Dictionary<string, string>()).Select(f => (f.Value, $"{path}/body/set/{SourceMap.Segment(f.Key)}")));
        named.AddRange((operation.Answer?.MustMatch ?? new Dictionary<string, IReadOnlyList<string>>())
            .SelectMany(m => m.Value.Select(p => (p, $"{path}/answer/mustMatch/{SourceMap.Segment(m.Key)}"))));
        named.AddRange(operation.Paths.SelectMany(PathTemplate.Placeholders).Select(p => (p, $"{path}/path")));
        named.AddRange((operation.Tool?.Arguments ?? new Dictionary<string, string>()).Select(a => (a.Value, $"{path}/arguments/{SourceMap.Segment(a.Key)}")));
        foreach (var (dataPath, at) in named.Distinct())
        {
            var parts = dataPath.Split('.');
            if (parts.Length >= 2 && byAlias.TryGetValue(parts[0], out var known) && !known.Schema.Fields.ContainsKey(parts[1]))
            {
                yield return map.Error(at, FindingCodes.DeclarationFieldNotInSchema,
                    $"operation {operation.Name} names '{dataPath}', but a {declaration.System}.{known.Resource} record has no field '{parts[1]}' (fields: {string.Join(", ", known.Schema.Fields.Keys)}){NearestName.Hint(parts[1], known.Schema.Fields.Keys)}");
            }
        }

        if (records.GetValueOrDefault(op.Resource) is { } own)
        {
            foreach (var field in (operation.Answer?.MustMatch.Keys ?? []).Where(f => !own.Fields.ContainsKey(f)))
            {
                yield return map.Error($"{path}/answer/mustMatch/{SourceMap.Segment(field)}", FindingCodes.DeclarationFieldNotInSchema,
                    $"operation {operation.Name} checks the answer's '{field}', but a {declaration.System}.{op.Resource} record has no field '{field}' (fields: {string.Join(", ", own.Fields.Keys)}){NearestName.Hint(field, own.Fields.Keys)}");
            }
        }
    }

    /// <summary>
    /// What makes a declaration unsafe or unusable: a read that sends a body or changes state by its method, a write
    /// without a body (the approved change) or without a record the guard can judge, a record placeholder with no record.
    /// </summary>
    private static IEnumerable<string> Problems(OperationDeclaration operation, OperationName op)
    {
        // What the guard judges a write's record by must come from the record as read, never from what the run's
        // starter (input), the model (draft) or a route chose: else they would choose what the scope allows.
        IReadOnlyDictionary<string, string> judged = op.IsRead ? new Dictionary<string, string>() : operation.Record?.Attributes ?? new Dictionary<string, string>();
        foreach (var (attribute, path) in judged)
        {
            if (path.Split('.')[0] is "input" or "draft" or "route")
            {
                yield return $"a write's record attribute '{attribute}' comes from '{path}', which the run's starter, the model or a route chooses; take it from the record a step read (e.g. {operation.Record!.Read ?? "account"}.{attribute})";
            }
        }

        if (operation.Tool is { } tool)
        {
            foreach (var problem in ToolProblems(operation, tool, op))
            {
                yield return problem;
            }

            yield break;
        }

        if (op.IsRead)
        {
            if (operation.Method is "POST" or "PUT" or "PATCH" or "DELETE")
            {
                yield return $"a read ('{op.Verb}') must use GET, not {operation.Method}: a read never changes a record";
            }

            if (operation.Body is not null)
            {
                yield return $"a read ('{op.Verb}') sends no body";
            }
        }
        else
        {
            if (operation.Method == "GET")
            {
                yield return $"a write ('{op.Verb}') cannot be a GET; use POST, PUT, PATCH or DELETE, or name it with a read verb ({string.Join(", ", OperationName.ReadVerbs)})";
            }

            if (operation.Body is null && operation.Method != "DELETE")
            {
                yield return "a write needs 'body' (from: the draft the approver sees)";
            }

            if (operation.Record is null)
            {
                yield return "a write needs 'record' (its id, and the attributes the scope guard judges)";
            }
        }

        if (operation.Record is null && operation.Paths.Any(p => PathTemplate.Placeholders(p).Contains(PathTemplate.RecordId)))
        {
            yield return $"path uses {{{PathTemplate.RecordId}}} but declares no 'record'";
        }
    }

    /// <summary>An MCP tool: a read sends no body; a write has a record and (unless it deletes) its fields from the draft.</summary>
    private static IEnumerable<string> ToolProblems(OperationDeclaration operation, McpToolDeclaration tool, OperationName op)
    {
        if (op.IsRead && operation.Body is not null)
        {
            yield return $"a read tool ('{op.Verb}') sends no body; its arguments are under 'arguments'";
        }

        if (!op.IsRead && operation.Record is null)
        {
            yield return "a write tool needs 'record' (its id, and the attributes the scope guard judges)";
        }

        if (!op.IsRead && operation.Body is null && op.Verb != "delete")
        {
            yield return "a write tool needs 'body' (from: the draft the approver sees; its fields become arguments)";
        }

        if (operation.Record is null && tool.Arguments.Values.Contains(PathTemplate.RecordId))
        {
            yield return $"an argument is {PathTemplate.RecordId} but the tool declares no 'record'";
        }

        if (operation.Body is not null && tool.Arguments.Keys.FirstOrDefault(operation.Body.Set.ContainsKey) is { } both)
        {
            yield return $"argument '{both}' is also a body field; name it once";
        }
    }
}

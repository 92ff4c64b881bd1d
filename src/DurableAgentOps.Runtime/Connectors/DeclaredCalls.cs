using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Scope;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Turns a declared operation (workflows/systems/*.yaml, pinned in the run's snapshot) and a step's data into the HTTP
/// call it sends. Record attributes are filled in when earlier steps made them known (e.g. the read account's region),
/// so the scope guard can judge. Nothing here knows any system: everything comes from the declaration.
/// </summary>
internal static class DeclaredCalls
{
    /// <summary>The declaration of <paramref name="operation"/> this step carries, or a refusal that says why there is none.</summary>
    public static (OperationDeclaration Operation, SystemDeclaration System) Find(StepInvocation input, string operation)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var system in input.Declarations ?? [])
        {
            if (system.Find(operation) is { } declared)
            {
                return (declared, system);
            }
        }

        throw new StepRefusedException(input.Declarations is null
            ? $"operation '{operation}' is not declared for this run: its definition was deployed before systems were declared in workflows/systems/; start the run again"
            : $"operation '{operation}' is not declared in workflows/systems/ for this run's definition");
    }

    /// <summary>The call for <paramref name="operation"/> with <paramref name="data"/>, or a refusal naming what is missing.</summary>
    public static SystemCall Build(OperationDeclaration operation, SystemDeclaration system, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(system);
        var isWrite = operation.Writes();
        var record = RecordOf(operation, data, isWrite);
        // A write tool without a body still sets its value arguments: an empty body makes them the change (SystemCall.Changes).
        var body = operation.Body is null ? (isWrite && operation.Tool is not null ? new JsonObject() : null) : BodyOf(operation, operation.Body, data);
        if (operation.Body is not null && record is not null)
        {
            CheckDraftedTarget(operation, operation.Body, data, record);
        }

        var mcp = operation.Tool is { } tool ? new McpCall(tool, system.Mcp?.Path ?? "/mcp", ArgumentsOf(operation, tool, data, record)) : null;
        if (mcp is not null && body?.Select(p => p.Key).FirstOrDefault(mcp.Arguments.ContainsKey) is { } both)
        {
            // The draft may not restate what the call names: a body field would replace the argument the guard judged.
            throw new StepRefusedException($"{operation.Name}: the draft sets '{both}', which is the tool's naming argument; the model may not choose it");
        }

        return new SystemCall(operation.Name, operation.System, new HttpMethod(operation.Method), mcp?.Tool.Name ?? PathOf(operation, data, record), record, body,
            operation.Record?.Read, operation.IdempotencyHeader, operation.Success, system.Resource, mcp);
    }

    /// <summary>A tool's naming arguments, each from run data (<c>record.id</c>: the record); a missing one is a refusal.</summary>
    private static JsonObject ArgumentsOf(OperationDeclaration operation, McpToolDeclaration tool, JsonObject data, RecordRef? record)
    {
        var arguments = new JsonObject();
        foreach (var (argument, path) in tool.Arguments)
        {
            var value = (path == PathTemplate.RecordId ? (record?.Id is { } id ? JsonValue.Create(id) : null) : RunData.Node(data, path)?.DeepClone())
                ?? throw new StepRefusedException($"{operation.Name}: '{path}' is missing for argument '{argument}': add the step that provides it to 'from'");

            // A naming argument is one value, judged and sent as the same thing.
            arguments[argument] = value as JsonValue
                ?? throw new StepRefusedException($"{operation.Name}: '{path}' for argument '{argument}' is {(value is JsonArray ? "a list" : "an object")}, not one value");
        }

        return arguments;
    }

    /// <summary>The first value a call needs that <paramref name="data"/> lacks, as a run-data path; null when it can be called.</summary>
    public static string? MissingValue(OperationDeclaration operation, JsonObject data)
    {
        var recordPaths = operation.Record?.Id ?? [];
        var hasRecord = recordPaths.Any(p => RunData.Text(data, p) is not null);
        bool Has(string path) => path == PathTemplate.RecordId ? hasRecord : RunData.Node(data, path) is not null;
        string Named(string path) => path == PathTemplate.RecordId && recordPaths.Count > 0 ? recordPaths[0] : path;
        if (operation.Tool is { } tool)
        {
            return tool.Arguments.Values.FirstOrDefault(p => !Has(p)) is { } lacking ? Named(lacking) : null;
        }

        return operation.Paths.Any(t => PathTemplate.Placeholders(t).All(Has)) ? null : Named(PathTemplate.Placeholders(operation.Paths[^1]).First(p => !Has(p)));
    }

    /// <summary>
    /// The part of a read's answer the step keeps, refused unless it is about the run's record: e.g. a call named by the
    /// input that belongs to another account, or a purchase order that is not the invoice's.
    /// </summary>
    public static JsonNode? CheckAnswer(OperationDeclaration operation, JsonObject data, JsonNode? answer)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.Answer is not { } declared)
        {
            return answer;
        }

        if (declared.Select is { } select)
        {
            answer = RunData.Node(answer, select) ?? throw new StepRefusedException($"{operation.Name} answered without '{select}', which its declaration keeps");
        }

        foreach (var (field, paths) in declared.MustMatch)
        {
            var actual = (answer as JsonObject)?[field] is JsonValue value ? value.ToString() : null;
            foreach (var path in paths)
            {
                if (RunData.Text(data, path) is { } expected && actual != expected)
                {
                    throw new StepRefusedException(
                        $"{operation.Name} answered a record whose {field} is '{Bounded(actual ?? "(none)")}', but this run's {path} is '{expected}': it is not this run's record");
                }
            }
        }

        return answer;
    }

    /// <summary>
    /// The record: the first declared id path with a value. A write's record comes from the run (its input, or the
    /// record an earlier step read), never from the model, and the read record must be the one the input names.
    /// </summary>
    private static RecordRef? RecordOf(OperationDeclaration operation, JsonObject data, bool isWrite)
    {
        if (operation.Record is not { } declared)
        {
            return null;
        }

        var id = declared.Id.Select(path => RunData.Text(data, path)).FirstOrDefault(v => v is not null);
        if (id is null)
        {
            return isWrite
                ? throw new StepRefusedException($"{operation.Name} has no target record: none of {string.Join(", ", declared.Id)} has a value")
                : null;
        }

        if (declared.Read is { } read && RunData.Text(data, $"{read}.id") is { } wasRead && wasRead != id)
        {
            throw new StepRefusedException($"the {read} read ('{wasRead}') is not the record the input names ('{id}')");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (attribute, path) in declared.Attributes)
        {
            if (RunData.Text(data, path) is { } value)
            {
                attributes[attribute] = value;
            }
            else if (isWrite)
            {
                // A write's record must be judged whole: an attribute nobody read would let the guard pass it unseen.
                throw new StepRefusedException($"{operation.Name}: the record's {attribute} is not known ('{path}' has no value); the step that reads it must run before this write");
            }
        }

        return new RecordRef(id, attributes);
    }

    /// <summary>The first declared path whose values are all present, each escaped as one segment.</summary>
    private static string PathOf(OperationDeclaration operation, JsonObject data, RecordRef? record)
    {
        foreach (var template in operation.Paths)
        {
            string? path;
            try
            {
                path = PathTemplate.Fill(template, p => p == PathTemplate.RecordId ? record?.Id : RunData.Text(data, p));
            }
            catch (FormatException ex)
            {
                throw new StepRefusedException($"{operation.Name}: {ex.Message}");
            }

            if (path is not null)
            {
                return path;
            }
        }

        var missing = PathTemplate.Placeholders(operation.Paths[^1]).First(p => (p == PathTemplate.RecordId ? record?.Id : RunData.Text(data, p)) is null);
        throw new StepRefusedException($"{operation.Name}: '{missing}' is missing: add the step that provides it to 'from'");
    }

    /// <summary>The body is the draft the approver saw (a copy), with declared fields set from run data (e.g. the route's choice).</summary>
    private static JsonObject BodyOf(OperationDeclaration operation, BodyDeclaration declared, JsonObject data)
    {
        var body = (RunData.Node(data, declared.From) as JsonObject)?.DeepClone().AsObject()
            ?? throw new StepRefusedException($"operation '{operation.Name}' needs '{declared.From}' from an earlier draft step");
        foreach (var (field, path) in declared.Set)
        {
            if (RunData.Text(data, path) is { } value)
            {
                body[field] = value;
            }
        }

        return body;
    }

    /// <summary>
    /// A draft may say which record it is about (<c>target</c> beside the drafted body), but may not choose it: a
    /// target naming another record, or placing it elsewhere than the read says, is refused.
    /// </summary>
    private static void CheckDraftedTarget(OperationDeclaration operation, BodyDeclaration body, JsonObject data, RecordRef record)
    {
        var target = $"{body.From.Split('.')[0]}.target";
        var idKey = operation.Record!.Id[0].Split('.')[^1];
        if (RunData.Text(data, $"{target}.{idKey}") is { } drafted && drafted != record.Id)
        {
            throw new StepRefusedException(
                $"the draft names {idKey} '{Bounded(drafted)}', but this run's record is '{record.Id}': the model may not choose the record a write targets");
        }

        foreach (var attribute in operation.Record.Attributes.Keys)
        {
            var known = record.Attributes.GetValueOrDefault(attribute);
            if (RunData.Text(data, $"{target}.{attribute}") is { } place && place != known)
            {
                throw new StepRefusedException(
                    $"the draft places {record.Id} in {attribute} '{Bounded(place)}', but {operation.Record.Attributes[attribute]} says '{known ?? "(not read)"}'");
            }
        }
    }

    private static string Bounded(string text) => text.Length <= 80 ? text : text[..80] + "…";
}

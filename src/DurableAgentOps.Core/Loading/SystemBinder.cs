using System.Globalization;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Yaml;

namespace DurableAgentOps.Core.Loading;

/// <summary>Binds one workflows/systems/*.yaml file: a system and the HTTP operations workflows may name.</summary>
internal static class SystemBinder
{
    private static readonly HashSet<string> Kinds = new(StringComparer.Ordinal) { SystemDeclaration.HttpKind, SystemDeclaration.McpKind };

    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE" };

    public static SystemDeclaration? Bind(YNode? root, Binder binder)
    {
        if (root is null)
        {
            return null;
        }

        binder.Index(root, string.Empty);
        if (binder.Mapping(root, string.Empty, "system declaration") is not { } top)
        {
            return null;
        }

        var system = top.Text("system", required: true) ?? string.Empty;
        if (system.Length > 0)
        {
            binder.CheckName(system, $"system name '{system}'", binder.Map.Find("/system"));
        }

        var kind = top.Text("kind", required: true) ?? SystemDeclaration.HttpKind;
        if (!Kinds.Contains(kind))
        {
            binder.Error(binder.Map.Find("/kind"), FindingCodes.InvalidValue, $"system '{system}': 'kind' must be one of {string.Join(", ", Kinds)}; found '{kind}'");
        }

        var isMcp = kind == SystemDeclaration.McpKind;
        var description = top.Text("description", required: true) ?? string.Empty;
        var resource = top.Text("resource");
        McpEndpoint? mcp = null;
        if (isMcp)
        {
            var endpoint = top.Text("endpoint") ?? "/mcp";
            var problem = PathTemplate.Problem(endpoint) ?? (PathTemplate.Placeholders(endpoint).Count > 0 ? "may not have placeholders" : null);
            if (problem is not null)
            {
                binder.Error(binder.Map.Find("/endpoint"), FindingCodes.InvalidValue, $"system '{system}': endpoint '{endpoint}' {problem}");
            }

            mcp = new McpEndpoint(endpoint);
        }

        var operations = new List<OperationDeclaration>();
        if (binder.Mapping(top.Take("operations", required: true), "/operations", $"system '{system}' operations") is { } map)
        {
            foreach (var (key, value) in map.Entries)
            {
                var name = $"{system}.{key.Value}";
                var path = map.PathOf(key.Value);
                if (!OperationName.TryParse(name, out _))
                {
                    binder.Error(key.Position, FindingCodes.InvalidValue, $"operation '{key.Value}' must be <resource>.<verb> (e.g. accounts.read)");
                }

                if (BindOperation(name, value, path, binder, isMcp) is { } operation)
                {
                    operations.Add(operation);
                }
            }
        }

        var records = BindRecords(top.Take("records"), binder, system);
        top.Done();
        return new SystemDeclaration(system, binder.Map.File, description, resource, operations, mcp, records);
    }

    /// <summary>records: resource → { fields: { name: type }, sensitive: [name] }.</summary>
    private static Dictionary<string, RecordSchema>? BindRecords(YNode? node, Binder binder, string system)
    {
        if (binder.Mapping(node, "/records", $"system '{system}' records") is not { } map)
        {
            return null;
        }

        var records = new Dictionary<string, RecordSchema>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            var what = $"system '{system}' record '{key.Value}'";
            if (binder.Mapping(value, map.PathOf(key.Value), what) is not { } record)
            {
                continue;
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            if (binder.Mapping(record.Take("fields", required: true), $"{record.Path}/fields", $"{what} fields") is { } fieldMap)
            {
                foreach (var (field, type) in fieldMap.Entries)
                {
                    if (binder.Text(type, $"{what} field '{field.Value}'") is { } text)
                    {
                        if (!RecordSchema.Types.Contains(text))
                        {
                            binder.Error(type.Position, FindingCodes.InvalidValue, $"{what}: field '{field.Value}' has type '{text}'; types are {string.Join(", ", RecordSchema.Types)}");
                        }

                        fields[field.Value] = text;
                    }
                }
            }

            var sensitive = record.TextList("sensitive");
            foreach (var name in sensitive.Where(n => !fields.ContainsKey(n)))
            {
                binder.Error(binder.Map.Find($"{record.Path}/sensitive"), FindingCodes.InvalidValue, $"{what}: sensitive field '{name}' is not one of its fields");
            }

            record.Done();
            records[key.Value] = new RecordSchema(fields, sensitive);
        }

        return records;
    }

    /// <summary>An HTTP operation (method and path) or, in an MCP system, a tool (name, pinned hash, arguments).</summary>
    private static OperationDeclaration? BindOperation(string name, YNode node, string path, Binder binder, bool isMcp)
    {
        var what = $"operation {name}";
        if (binder.Mapping(node, path, what) is not { } op)
        {
            return null;
        }

        string method;
        IReadOnlyList<string> paths;
        McpToolDeclaration? tool = null;
        if (isMcp)
        {
            method = OperationDeclaration.McpMethod;
            paths = [];
            tool = BindTool(op, path, binder, what);
        }
        else
        {
            method = op.Text("method", required: true) ?? "GET";
            if (!Methods.Contains(method))
            {
                binder.Error(binder.Map.Find($"{path}/method"), FindingCodes.InvalidValue, $"{what}: 'method' must be one of {string.Join(", ", Methods)}; found '{method}'");
            }

            paths = op.TextList("path", required: true);
            for (var i = 0; i < paths.Count; i++)
            {
                if (PathTemplate.Problem(paths[i]) is { } problem)
                {
                    binder.Error(binder.Map.Find(paths.Count == 1 ? $"{path}/path" : $"{path}/path/{i}"), FindingCodes.InvalidValue, $"{what}: path '{paths[i]}' {problem}");
                }
            }
        }

        var record = BindRecord(op.Take("record"), $"{path}/record", binder, what);
        var body = BindBody(op.Take("body"), $"{path}/body", binder, what);
        var answer = BindAnswer(op.Take("answer"), $"{path}/answer", binder, what);
        var success = new List<int>();
        foreach (var code in op.TextList("success"))
        {
            if (int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 200 and <= 299)
            {
                success.Add(status);
            }
            else
            {
                binder.Error(binder.Map.Find($"{path}/success"), FindingCodes.InvalidValue, $"{what}: 'success' lists HTTP status codes from 200 to 299; found '{code}'");
            }
        }

        var header = op.Text("idempotencyHeader") ?? OperationDeclaration.DefaultIdempotencyHeader;
        if (header.Length == 0 || !header.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            binder.Error(binder.Map.Find($"{path}/idempotencyHeader"), FindingCodes.InvalidValue, $"{what}: 'idempotencyHeader' must be a header name (letters, digits, '-')");
        }

        op.Done();
        return new OperationDeclaration(name, method, paths, record, body, answer, success, header, tool);
    }

    /// <summary>tool: the server's name; sha256: the pinned definition; arguments: name → data path.</summary>
    private static McpToolDeclaration BindTool(MappingReader op, string path, Binder binder, string what)
    {
        var name = op.Text("tool", required: true) ?? string.Empty;
        if (name.Length is > 128 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            binder.Error(binder.Map.Find($"{path}/tool"), FindingCodes.InvalidValue, $"{what}: 'tool' must be a tool name (letters, digits, '_', '-', '.')");
        }

        var sha256 = op.Text("sha256", required: true) ?? string.Empty;
        if (sha256.Length > 0 && (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower)))
        {
            binder.Error(binder.Map.Find($"{path}/sha256"), FindingCodes.InvalidValue,
                $"{what}: 'sha256' must be the 64 lowercase hex digits of the tool's definition (agentops systems import mcp prints it)");
        }

        var arguments = Pairs(op.Take("arguments"), $"{path}/arguments", binder, $"{what} arguments");
        return new McpToolDeclaration(name, sha256, arguments);
    }

    private static RecordDeclaration? BindRecord(YNode? node, string path, Binder binder, string what)
    {
        if (binder.Mapping(node, path, $"{what} record") is not { } record)
        {
            return null;
        }

        var ids = record.TextList("id", required: true);
        CheckDataPaths(ids, $"{path}/id", binder, $"{what} record id");
        var read = record.Text("read");
        var attributes = Pairs(record.Take("attributes"), $"{path}/attributes", binder, $"{what} record attributes");
        record.Done();
        return new RecordDeclaration(ids, read, attributes);
    }

    private static BodyDeclaration? BindBody(YNode? node, string path, Binder binder, string what)
    {
        if (binder.Mapping(node, path, $"{what} body") is not { } body)
        {
            return null;
        }

        var from = body.Text("from", required: true) ?? string.Empty;
        CheckDataPaths([from], $"{path}/from", binder, $"{what} body from");
        var set = Pairs(body.Take("set"), $"{path}/set", binder, $"{what} body set");
        body.Done();
        return new BodyDeclaration(from, set);
    }

    private static AnswerDeclaration? BindAnswer(YNode? node, string path, Binder binder, string what)
    {
        if (binder.Mapping(node, path, $"{what} answer") is not { } answer)
        {
            return null;
        }

        var select = answer.Text("select");
        var mustMatch = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (binder.Mapping(answer.Take("mustMatch"), $"{path}/mustMatch", $"{what} answer mustMatch") is { } map)
        {
            foreach (var (key, value) in map.Entries)
            {
                var paths = binder.TextList(value, $"{what} answer mustMatch.{key.Value}");
                CheckDataPaths(paths, map.PathOf(key.Value), binder, $"{what} answer mustMatch.{key.Value}");
                mustMatch[key.Value] = paths;
            }
        }

        answer.Done();
        return new AnswerDeclaration(select, mustMatch);
    }

    /// <summary>A mapping of name → run-data path (record attributes, body fields set from run data).</summary>
    private static Dictionary<string, string> Pairs(YNode? node, string path, Binder binder, string what)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (binder.Mapping(node, path, what) is not { } map)
        {
            return pairs;
        }

        foreach (var (key, value) in map.Entries)
        {
            if (binder.Text(value, $"{what}.{key.Value}") is { } dataPath)
            {
                CheckDataPaths([dataPath], map.PathOf(key.Value), binder, $"{what}.{key.Value}");
                pairs[key.Value] = dataPath;
            }
        }

        return pairs;
    }

    private static void CheckDataPaths(IEnumerable<string> paths, string at, Binder binder, string what)
    {
        foreach (var dataPath in paths.Where(p => !PathTemplate.IsDataPath(p)))
        {
            binder.Error(binder.Map.Find(at), FindingCodes.InvalidValue, $"{what}: '{dataPath}' must be a dotted path into the step's data (e.g. input.accountId, account.region)");
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Model;
using Microsoft.OpenApi;

namespace DurableAgentOps.Cli.Systems;

/// <summary>A drafted system declaration: its YAML text, the resources its operations name, and what was left out and why.</summary>
internal sealed record SystemDraft(string Yaml, IReadOnlyList<string> Resources, IReadOnlyList<string> Skipped);

/// <summary>
/// Drafts a <c>workflows/systems/&lt;system&gt;.yaml</c> from an OpenAPI 3.x document: one operation per path and method,
/// named <c>&lt;resource&gt;.&lt;verb&gt;</c> (GET by id: read, GET of a collection: list, POST: create, PUT and PATCH:
/// update, DELETE: delete), with path parameters taken from the run's input (<c>{input.param}</c>), a write's record
/// from its last path parameter and its body from the draft. It is a draft: the team trims it to what its workflows
/// use and points record ids and attributes at the data its steps read.
/// </summary>
internal static partial class OpenApiDraft
{
    public static SystemDraft FromDocument(OpenApiDocument document, string system, string? resource, string source)
    {
        ArgumentNullException.ThrowIfNull(document);
        var prefix = ServerPath(document);
        var operations = new List<(string Name, string Text)>();
        var skipped = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (template, item) in document.Paths ?? [])
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var verb = Verb(method.Method, template);
                if (verb is null)
                {
                    skipped.Add($"{method.Method} {template}: {method.Method} is not an operation a workflow step sends");
                    continue;
                }

                if (Resource(template) is not { } resourceName)
                {
                    skipped.Add($"{method.Method} {template}: no literal path segment to name its resource by");
                    continue;
                }

                var name = Unique(names, $"{resourceName}.{verb}");
                operations.Add((name, Operation(name, method.Method, prefix + template, operation, verb)));
            }
        }

        var resources = operations.Select(o => o.Name.Split('.')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var yaml = new StringBuilder()
            .AppendLine("# yaml-language-server: $schema=../schema/system.schema.json")
            .AppendLine(CultureInfo.InvariantCulture, $"# Drafted by `agentops systems import openapi` from {OneLine(source)} ({OneLine(document.Info?.Title)} {OneLine(document.Info?.Version)}).")
            .AppendLine("# Trim it to the operations your workflows use, and point record ids and attributes at the data your steps read.")
            .AppendLine(CultureInfo.InvariantCulture, $"# In identities.yaml, under systems:  {system}: {{ kind: business, description: ..., resources: [{string.Join(", ", resources)}] }}")
            .AppendLine(CultureInfo.InvariantCulture, $"# Base URL: the setting AgentOps__Systems__Endpoints__{system}__BaseUrl{(ServerHost(document) is { } host ? $" ({host}; the paths below carry the rest of the server URL)" : string.Empty)}.")
            .AppendLine(CultureInfo.InvariantCulture, $"system: {system}")
            .AppendLine("kind: http")
            .AppendLine(CultureInfo.InvariantCulture, $"description: {Quote(document.Info?.Title is { Length: > 0 } title ? title : system)}");
        if (resource is not null)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"resource: {Quote(resource)}");
        }

        yaml.AppendLine("operations:");
        foreach (var (_, text) in operations)
        {
            yaml.Append(text);
        }

        return new SystemDraft(yaml.ToString(), resources, skipped);
    }

    private static string Operation(string name, string method, string template, OpenApiOperation operation, string verb)
    {
        var parameters = Placeholder().Matches(template).Select(m => m.Groups[1].Value).ToList();
        var isWrite = !OperationName.ReadVerbs.Contains(verb);
        var recordParameter = parameters.LastOrDefault();
        var path = Placeholder().Replace(template, m => isWrite && m.Groups[1].Value == recordParameter
            ? $"{{{PathTemplate.RecordId}}}"
            : $"{{input.{Safe(m.Groups[1].Value)}}}");
        var text = new StringBuilder();
        var summary = OneLine(operation.Summary ?? operation.Description);
        text.AppendLine(CultureInfo.InvariantCulture, $"  {name.Split('.', 2)[0]}.{name.Split('.', 2)[1]}:{(operation.OperationId is { } id ? $"  # {OneLine(id)}" : string.Empty)}{(summary.Length > 0 ? $" {summary}" : string.Empty)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    method: {method}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    path: {Quote(path)}");
        if (recordParameter is not null)
        {
            text.AppendLine("    record:");
            text.AppendLine(CultureInfo.InvariantCulture, $"      id: input.{Safe(recordParameter)}");
        }
        else if (isWrite)
        {
            // A create on a collection names no record in its path; the guard still needs the one it is about.
            text.AppendLine("    record:");
            text.AppendLine("      id: input.recordId  # the record this write is about: a value of the run's input or of a read (e.g. account.id)");
        }

        if (isWrite && method != "DELETE")
        {
            text.AppendLine("    body:");
            text.AppendLine(CultureInfo.InvariantCulture, $"      from: draft.{StepAliases.Singular(name.Split('.')[0])}");
        }

        var success = (operation.Responses ?? []).Keys
            .Select(k => int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0)
            .Where(c => c is >= 200 and <= 299).Order().ToList();
        if (isWrite && success.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    success: [{string.Join(", ", success)}]");
        }

        return text.ToString();
    }

    /// <summary>GET by id reads, GET of a collection lists; the rest by method; HEAD, OPTIONS and TRACE are not steps.</summary>
    private static string? Verb(string method, string template) => method switch
    {
        "GET" => template.TrimEnd('/').EndsWith('}') || template.TrimEnd('/').EndsWith(')') ? "read" : "list",
        "POST" => "create",
        "PUT" or "PATCH" => "update",
        "DELETE" => "delete",
        _ => null,
    };

    /// <summary>The last literal segment, as a name: /api/v2/purchase-orders/{id} → purchaseOrders; /accounts({id}) → accounts.</summary>
    private static string? Resource(string template)
    {
        foreach (var segment in template.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            var literal = Placeholder().Replace(segment, string.Empty).Trim('(', ')', '=', '\'', ',');
            var words = NonWord().Split(literal).Where(w => w.Length > 0).ToList();
            if (words.Count == 0 || VersionSegment().IsMatch(literal))
            {
                continue;
            }

            var name = string.Concat(words.Select((w, i) => i == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));
            if (char.IsAsciiLetter(name[0]) && name.Length <= 64)
            {
                return name;
            }
        }

        return null;
    }

    private static string Unique(HashSet<string> names, string name)
    {
        var candidate = name;
        for (var n = 2; !names.Add(candidate); n++)
        {
            candidate = $"{name}{n}";
        }

        return candidate;
    }

    /// <summary>The scheme and host of the first server URL, or null when it has none (a relative or templated URL).</summary>
    private static string? ServerHost(OpenApiDocument document) =>
        document.Servers is { Count: > 0 } servers && Uri.TryCreate(servers[0].Url, UriKind.Absolute, out var url) ? url.GetLeftPart(UriPartial.Authority) : null;

    /// <summary>The path part of the first server URL (https://org.example/api/data/v9.2 → /api/data/v9.2): paths are sent below the base URL's host.</summary>
    private static string ServerPath(OpenApiDocument document)
    {
        if (document.Servers is not { Count: > 0 } servers || servers[0].Url is not { Length: > 0 } url || url.Contains('{', StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var path = Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : url;
        return path.TrimEnd('/') is { Length: > 0 } trimmed && trimmed.StartsWith('/') ? trimmed : string.Empty;
    }

    private static string Safe(string parameter) => string.Concat(parameter.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) is { Length: > 0 } safe ? safe : "id";

    private static string OneLine(string? text) => text is null ? string.Empty : Whitespace().Replace(text, " ").Trim() is var one && one.Length > 120 ? one[..120] + "…" : Whitespace().Replace(text, " ").Trim();

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"[^A-Za-z0-9]+")]
    private static partial Regex NonWord();

    [GeneratedRegex(@"^v[0-9]+(\.[0-9]+)*$|^api$|^data$", RegexOptions.IgnoreCase)]
    private static partial Regex VersionSegment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

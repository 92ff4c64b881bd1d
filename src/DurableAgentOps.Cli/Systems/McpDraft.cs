using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Model;
using ModelContextProtocol.Protocol;

namespace DurableAgentOps.Cli.Systems;

/// <summary>
/// Drafts a <c>workflows/systems/&lt;system&gt;.yaml</c> of kind mcp from a server's <c>tools/list</c>: one operation per
/// tool, named <c>&lt;resource&gt;.&lt;verb&gt;</c> from the tool's name (get_ticket → tickets.read; a tool the server
/// marks read-only is a read, any other is a write), pinned by the hash of the server's own definition; arguments come
/// from the run's input, and a write's non-id arguments from the draft. The team trims it and points ids at its data.
/// </summary>
internal static partial class McpDraft
{
    private static readonly Dictionary<string, string> Verbs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["get"] = "read", ["read"] = "read", ["fetch"] = "read", ["show"] = "read", ["describe"] = "read",
        ["list"] = "list", ["search"] = "search", ["find"] = "search", ["query"] = "search",
        ["create"] = "create", ["add"] = "create", ["new"] = "create", ["post"] = "create",
        ["update"] = "update", ["set"] = "update", ["edit"] = "update", ["change"] = "update", ["patch"] = "update",
        ["delete"] = "delete", ["remove"] = "delete",
    };

    public static SystemDraft FromTools(IReadOnlyList<Tool> tools, string system, string? resource, Uri endpoint, string? serverName)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var yaml = new StringBuilder();
        var operations = new StringBuilder();
        var skipped = new List<string>();
        foreach (var tool in tools.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (NameOf(tool) is not { } name)
            {
                skipped.Add($"tool {tool.Name}: no word to name its resource by");
                continue;
            }

            var unique = name;
            for (var n = 2; !names.Add(unique); n++)
            {
                unique = $"{name}{n}";
            }

            operations.Append(Operation(unique, tool));
        }

        var resources = names.Select(n => n.Split('.')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        yaml.AppendLine("# yaml-language-server: $schema=../schema/system.schema.json")
            .AppendLine(CultureInfo.InvariantCulture, $"# Drafted by `agentops systems import mcp` from {endpoint} ({OneLine(serverName)}): each tool pinned by the SHA-256 of its definition.")
            .AppendLine("# Trim it to the tools your workflows use, and point ids and arguments at the data your steps read.")
            .AppendLine(CultureInfo.InvariantCulture, $"# In identities.yaml, under systems:  {system}: {{ kind: business, description: ..., resources: [{string.Join(", ", resources)}] }}")
            .AppendLine(CultureInfo.InvariantCulture, $"# Base URL: the setting AgentOps__Systems__Endpoints__{system}__BaseUrl ({endpoint.GetLeftPart(UriPartial.Authority)}).")
            .AppendLine(CultureInfo.InvariantCulture, $"system: {system}")
            .AppendLine("kind: mcp")
            .AppendLine(CultureInfo.InvariantCulture, $"description: \"{Escape(serverName is { Length: > 0 } ? serverName : system)}\"");
        if (resource is not null)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"resource: \"{Escape(resource)}\"");
        }

        yaml.AppendLine(CultureInfo.InvariantCulture, $"endpoint: {(endpoint.AbsolutePath is { Length: > 1 } path ? path : "/mcp")}")
            .AppendLine("operations:")
            .Append(operations);
        return new SystemDraft(yaml.ToString(), resources, skipped);
    }

    private static string Operation(string name, Tool tool)
    {
        var isWrite = !OperationName.ReadVerbs.Contains(name.Split('.')[1]);
        var properties = (JsonNode.Parse(tool.InputSchema.GetRawText())?["properties"] as JsonObject)?.Select(p => p.Key).ToList() ?? [];
        var ids = properties.Where(p => p.EndsWith("id", StringComparison.OrdinalIgnoreCase)).ToList();
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"  {name}:{(tool.Description is { Length: > 0 } d ? $"  # {OneLine(d)}" : string.Empty)}")
            .AppendLine(CultureInfo.InvariantCulture, $"    tool: {tool.Name}")
            .AppendLine(CultureInfo.InvariantCulture, $"    sha256: {McpToolHash.Compute(tool.Name, tool.Description, JsonNode.Parse(tool.InputSchema.GetRawText()))}");
        var arguments = isWrite ? ids : properties;
        if (arguments.Count > 0)
        {
            text.AppendLine("    arguments:");
            foreach (var argument in arguments)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"      {argument}: {(isWrite && argument == ids[0] ? PathTemplate.RecordId : $"input.{argument}")}");
            }
        }

        if (ids.Count > 0)
        {
            text.AppendLine("    record:").AppendLine(CultureInfo.InvariantCulture, $"      id: input.{ids[0]}");
        }
        else if (isWrite)
        {
            text.AppendLine("    record:").AppendLine("      id: input.recordId  # the record this tool acts on: a value of the run's input or of a read");
        }

        if (isWrite && name.Split('.')[1] != "delete")
        {
            text.AppendLine("    body:").AppendLine(CultureInfo.InvariantCulture, $"      from: draft.{StepAliases.Singular(name.Split('.')[0])}  # its fields: {string.Join(", ", properties.Except(ids))}");
        }

        return text.ToString();
    }

    /// <summary>get_ticket → tickets.read; assign_ticket → tickets.assign; a read-only tool is read whatever its verb.</summary>
    private static string? NameOf(Tool tool)
    {
        var words = Words().Matches(tool.Name).Select(m => m.Value).ToList();
        if (words.Count == 0)
        {
            return null;
        }

        var verb = Verbs.TryGetValue(words[0], out var known) ? known : words[0].ToLowerInvariant();
        var rest = words.Count > 1 ? words.Skip(1).ToList() : [words[0]];
        if (tool.Annotations?.ReadOnlyHint == true && !OperationName.ReadVerbs.Contains(verb))
        {
            verb = "read";
        }

        var resource = string.Concat(rest.Select((w, i) => i == 0 ? w.ToLowerInvariant() : char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant()));
        resource = resource.EndsWith('s') ? resource : resource + "s";
        var name = $"{resource}.{verb}";
        return OperationName.TryParse($"system.{name}", out _) ? name : null;
    }

    private static string OneLine(string? text) => Regex.Replace(text ?? string.Empty, @"\s+", " ").Trim() is var one && one.Length > 120 ? one[..120] + "…" : one;

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    [GeneratedRegex("[A-Za-z][a-z0-9]*|[0-9]+")]
    private static partial Regex Words();
}

using System.CommandLine;
using DurableAgentOps.Cli.Systems;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops systems import openapi &lt;file|url&gt; --system NAME: drafts workflows/systems/NAME.yaml from an OpenAPI 3.x
/// document (Microsoft.OpenApi), for the team to trim; import mcp drafts one from a live server's tools; check asks the
/// host to prove its declarations against the live systems.
/// </summary>
internal sealed class SystemsCommand : ICliCommand
{
    private const long MaxDocumentBytes = 32 * 1024 * 1024;

    public Command Create(CliContext context)
    {
        var source = new Argument<string>("document") { Description = "An OpenAPI 3.x document (JSON or YAML): a file path or an http(s) URL." };
        var system = new Option<string>("--system") { Description = "The system's name (as under systems: in identities.yaml).", Required = true };
        var resource = new Option<string?>("--resource") { Description = "The token audience step identities ask for (e.g. api://contoso-crm).", HelpName = "audience" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the draft here (refused if the file exists); default: standard output.", HelpName = "file" };
        var openapi = new Command("openapi", "Draft a system declaration from an OpenAPI 3.x document: one operation per path and method, for you to trim.")
        {
            source, system, resource, output,
        };
        openapi.SetAction((result, cancellationToken) => ImportAsync(context, result.GetValue(source)!, result.GetValue(system)!, result.GetValue(resource),
            result.GetValue(output), cancellationToken));
        var server = new Argument<string>("endpoint") { Description = "The MCP server's streamable HTTP endpoint (e.g. https://helpdesk.contoso.example/mcp)." };
        var mcpSystem = new Option<string>("--system") { Description = "The system's name (as under systems: in identities.yaml).", Required = true };
        var mcpResource = new Option<string?>("--resource") { Description = "The token audience step identities ask for.", HelpName = "audience" };
        var mcpOutput = new Option<string?>("--output", "-o") { Description = "Write the draft here (refused if the file exists); default: standard output.", HelpName = "file" };
        var bearer = new Option<string?>("--bearer-env")
        {
            Description = "The name of an environment variable holding a bearer token for the server (never the token itself: it would land in shell history).",
            HelpName = "variable",
        };
        var mcp = new Command("mcp", "Draft an MCP system declaration from a running server's tools/list, each tool pinned by the hash of its definition.")
        {
            server, mcpSystem, mcpResource, mcpOutput, bearer,
        };
        mcp.SetAction((result, cancellationToken) => ImportMcpAsync(context, result.GetValue(server)!, result.GetValue(mcpSystem)!, result.GetValue(mcpResource),
            result.GetValue(mcpOutput), result.GetValue(bearer), cancellationToken));
        var import = new Command("import", "Draft a system declaration (workflows/systems/<system>.yaml) from a description of the system.") { openapi, mcp };
        return new Command("systems", "Declare the systems workflows call: draft declarations from their descriptions, and prove them against the live systems.")
        {
            import, CheckCommand(context),
        };
    }

    private static Command CheckCommand(CliContext context)
    {
        var system = new Option<string?>("--system") { Description = "Check this system only (default: every declared system).", HelpName = "name" };
        var set = new Option<string[]>("--set")
        {
            Description = "A value a read's path or arguments need, as a run-data path: --set input.accountId=ACC-000001 (repeat for more). "
                + "Values an earlier read answers (account.id) are taken from its answer.",
            HelpName = "path=value",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print the host's report as JSON." };
        var host = HostOptions.Host();
        var check = new Command("check",
            "Prove the host's system declarations against the live systems (administrators): each read operation is called once under the identity granted it, "
            + "its answer held against the declaration and record schema; writes are described, never called; each MCP tool's live definition is compared with its pin. "
            + "Exit 0 when everything is proven, 1 when anything failed, changed or was skipped.")
        {
            system, set, json, host,
        };
        check.SetAction((result, cancellationToken) =>
            CheckAsync(context, result.GetValue(system), result.GetValue(set) ?? [], result.GetValue(json), result.GetValue(host), cancellationToken));
        return check;
    }

    internal static async Task<int> CheckAsync(CliContext context, string? system, IReadOnlyList<string> sets, bool json, string? host, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in sets)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || !Core.Model.PathTemplate.IsDataPath(pair[..at]) || !pair[..at].Contains('.', StringComparison.Ordinal))
            {
                context.Error.WriteLine($"agentops systems check: --set '{pair}': expected path=value with a run-data path such as input.accountId=ACC-000001");
                return ExitCodes.Usage;
            }

            values[pair[..at]] = pair[(at + 1)..];
        }

        // Each call of a check is bounded by the host (15 s); a check of many operations takes a while.
        context.Error.WriteLine($"checking {(system is null ? "every declared system" : system)} against the live systems (each read is called once)…");
        var (response, code) = await HostOptions.SendAsync(context, "systems check", host,
            c => c.PostAsync("/api/systems/check", new { system, values }, cancellationToken, TimeSpan.FromMinutes(5)), cancellationToken);
        if (response is null)
        {
            return code;
        }

        using var answer = System.Text.Json.JsonDocument.Parse(response.Body);
        var report = answer.RootElement;
        var proven = report.GetProperty("proven").GetBoolean();
        if (json)
        {
            context.Out.WriteLine(response.Body);
            return proven ? ExitCodes.Ok : ExitCodes.Failed;
        }

        var items = report.GetProperty("items").EnumerateArray().ToList();
        if (items.Count == 0)
        {
            context.Error.WriteLine("agentops systems check: the host has no declared system to check (workflows/systems/ is empty)");
            return ExitCodes.Failed;
        }

        context.Out.WriteLine($"systems check on {report.GetProperty("environment").GetString()} identities:");
        foreach (var item in items)
        {
            string Text(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString()! : "-";
            context.Out.WriteLine($"  {Text("outcome"),-9} {Text("kind"),-5} {Text("operation")}  as {Text("identity")}  {Text("call")}");
            context.Out.WriteLine($"            {Text("detail")}");
            if (item.TryGetProperty("undeclaredFields", out var extra) && extra.ValueKind == System.Text.Json.JsonValueKind.Array && extra.GetArrayLength() > 0)
            {
                context.Out.WriteLine($"            note: the answer also has {string.Join(", ", extra.EnumerateArray().Select(e => e.GetString()))} (not in the record schema)");
            }
        }

        var counts = items.GroupBy(i => i.GetProperty("outcome").GetString()!).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}");
        context.Out.WriteLine($"{string.Join(", ", counts)}: {(proven ? "every declaration holds" : "not proven")}");
        return proven ? ExitCodes.Ok : ExitCodes.Failed;
    }

    internal static async Task<int> ImportMcpAsync(CliContext context, string endpoint, string system, string? resource, string? output, string? bearerEnv, CancellationToken cancellationToken)
    {
        if (!CheckTarget(context, system, output))
        {
            return ExitCodes.Failed;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            context.Error.WriteLine($"agentops systems import: '{endpoint}' is not an http(s) URL of an MCP endpoint");
            return ExitCodes.Failed;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (bearerEnv is not null)
        {
            if (Environment.GetEnvironmentVariable(bearerEnv) is not { Length: > 0 } token)
            {
                context.Error.WriteLine($"agentops systems import: --bearer-env {bearerEnv}: the variable is not set");
                return ExitCodes.Failed;
            }

            headers["Authorization"] = $"Bearer {token}";
        }

        SystemDraft draft;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var transport = new ModelContextProtocol.Client.HttpClientTransport(
                new ModelContextProtocol.Client.HttpClientTransportOptions { Endpoint = url, TransportMode = ModelContextProtocol.Client.HttpTransportMode.StreamableHttp, AdditionalHeaders = headers },
                http, ownsHttpClient: false);
            await using var client = await ModelContextProtocol.Client.McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
            var tools = await client.ListToolsAsync(cancellationToken: cancellationToken);
            draft = McpDraft.FromTools([.. tools.Select(t => t.ProtocolTool)], system, resource, url, client.ServerInfo?.Title ?? client.ServerInfo?.Name);
        }
        catch (Exception ex) when (ex is HttpRequestException or ModelContextProtocol.McpException or TaskCanceledException or IOException or InvalidOperationException)
        {
            context.Error.WriteLine($"agentops systems import: cannot list the tools of {url}: {ex.Message}");
            return ExitCodes.Failed;
        }

        return await WriteAsync(context, system, output, draft, cancellationToken);
    }

    internal static async Task<int> ImportAsync(CliContext context, string source, string system, string? resource, string? output, CancellationToken cancellationToken)
    {
        if (!CheckTarget(context, system, output))
        {
            return ExitCodes.Failed;
        }

        ReadResult read;
        try
        {
            using var stream = await OpenAsync(source, cancellationToken);
            var settings = new OpenApiReaderSettings();
            settings.AddYamlReader();
            read = await OpenApiDocument.LoadAsync(stream, FormatOf(source, stream), settings, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or TaskCanceledException or InvalidOperationException or OpenApiException or FormatException)
        {
            context.Error.WriteLine($"agentops systems import: cannot read {source}: {ex.Message}");
            return ExitCodes.Failed;
        }

        if (read.Document is not { } document || read.Diagnostic?.Errors is { Count: > 0 })
        {
            foreach (var error in read.Diagnostic?.Errors ?? [])
            {
                context.Error.WriteLine($"{source}: {error.Pointer}: {error.Message}");
            }

            context.Error.WriteLine($"agentops systems import: {source} is not an OpenAPI 3.x document it can read");
            return ExitCodes.Failed;
        }

        return await WriteAsync(context, system, output, OpenApiDraft.FromDocument(document, system, resource, source), cancellationToken);
    }

    /// <summary>A valid system name, and an output that does not exist yet (a draft never overwrites a declaration).</summary>
    private static bool CheckTarget(CliContext context, string system, string? output)
    {
        if (!Core.Model.OperationName.TryParse($"{system}.x.read", out _))
        {
            context.Error.WriteLine($"agentops systems import: --system '{system}' must start with a letter and use letters, digits, '-' or '_'");
            return false;
        }

        if (output is not null && File.Exists(output))
        {
            context.Error.WriteLine($"agentops systems import: {output} exists; remove it or choose another --output (a draft never overwrites a declaration)");
            return false;
        }

        return true;
    }

    private static async Task<int> WriteAsync(CliContext context, string system, string? output, SystemDraft draft, CancellationToken cancellationToken)
    {
        if (output is null)
        {
            context.Out.Write(draft.Yaml);
        }
        else
        {
            await File.WriteAllTextAsync(output, draft.Yaml, cancellationToken);
            var count = draft.Yaml.Split('\n').Count(l => l.StartsWith("    method: ", StringComparison.Ordinal) || l.StartsWith("    tool: ", StringComparison.Ordinal));
            context.Out.WriteLine($"wrote {output}: {count} operation(s) of resources {string.Join(", ", draft.Resources)}");
        }

        foreach (var skipped in draft.Skipped)
        {
            context.Error.WriteLine($"skipped {skipped}");
        }

        context.Error.WriteLine($"next: add '{system}' under systems: in identities.yaml (resources: [{string.Join(", ", draft.Resources)}]), trim the draft, then run agentops validate");
        return ExitCodes.Ok;
    }

    /// <summary>The document's bytes (at most 32 MiB), from a file or an http(s) URL.</summary>
    private static async Task<Stream> OpenAsync(string source, CancellationToken cancellationToken)
    {
        if (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60), MaxResponseContentBufferSize = MaxDocumentBytes };
            return new MemoryStream(await http.GetByteArrayAsync(new Uri(source), cancellationToken));
        }

        if (new FileInfo(source).Length > MaxDocumentBytes)
        {
            throw new IOException($"larger than {MaxDocumentBytes / 1024 / 1024} MiB");
        }

        return new MemoryStream(await File.ReadAllBytesAsync(source, cancellationToken));
    }

    /// <summary>json or yaml, by the name's extension, else by the first non-blank byte ('{' is JSON).</summary>
    private static string FormatOf(string source, Stream stream)
    {
        var path = source.Split('?', '#')[0];
        if (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
        {
            return OpenApiConstants.Yaml;
        }

        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return OpenApiConstants.Json;
        }

        int first;
        while ((first = stream.ReadByte()) is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF)
        {
        }

        stream.Position = 0;
        return first == '{' ? OpenApiConstants.Json : OpenApiConstants.Yaml;
    }
}

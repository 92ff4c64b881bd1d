using System.CommandLine;
using DurableAgentOps.Cli.Systems;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops systems import openapi &lt;file|url&gt; --system NAME: drafts workflows/systems/NAME.yaml from an OpenAPI 3.x
/// document (Microsoft.OpenApi), for the team to trim.
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
        return new Command("systems", "Declare the systems workflows call: draft declarations from their descriptions.") { import };
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

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Calls one tool of an MCP system (ModelContextProtocol C# SDK, streamable HTTP) with the step identity's token as the
/// bearer for the system's resource, as the MCP authorization specification says. Before the call it lists the
/// server's tools and refuses the call when the tool's live definition no longer hashes to the one its declaration
/// pins: a server cannot change what a tool does under a name a reviewer approved. A write also carries its
/// idempotency key as a header. Faults are left to the step's own retry policy: a tool call is not retried here.
/// </summary>
public sealed class McpToolClient(HttpClient http, IOptions<SystemsOptions> systems, StepCredentials credentials)
{
    public async Task<JsonNode?> CallAsync(SystemCall call, McpCall mcp, string clientId, string? idempotencyKey, CancellationToken cancellationToken, Identity.DelegatedCall? delegated = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(mcp);
        var tooLarge = BoundedAnswerHandler.Watch();
        try
        {
            await using var client = await ConnectAsync(call, mcp, clientId, idempotencyKey, cancellationToken, delegated);
            await CheckPinnedAsync(client, call, mcp, cancellationToken);
            var result = await client.CallToolAsync(mcp.Tool.Name, ToArguments(mcp.AllArguments(call.Body)), cancellationToken: cancellationToken);
            return Answer(call, mcp, result);
        }
        catch (Exception ex) when (tooLarge.Value || AnswerTooLargeException.IsIn(ex))
        {
            throw new StepRefusedException($"{call.System} answered {call.Operation} (MCP tool {mcp.Tool.Name}) with more than {BoundedAnswerHandler.MaxBytes} bytes, the limit");
        }
        catch (HttpRequestException ex) when (ex.StatusCode is { } status && SystemCallResilience.IsRefusal(status))
        {
            throw new StepRefusedException($"{call.System} answered {(int)status} {status} to {call.Operation} (MCP tool {mcp.Tool.Name}): the step identity may not call it");
        }
        catch (McpProtocolException ex)
        {
            throw new StepRefusedException($"{call.System} refused {call.Operation} (MCP tool {mcp.Tool.Name}): {Trim(ex.Message)}");
        }
        catch (McpException ex) when (ex.InnerException is HttpRequestException inner)
        {
            throw new HttpRequestException($"{call.System} did not complete {call.Operation} (MCP tool {mcp.Tool.Name}): {Trim(inner.Message)}", null, inner.StatusCode ?? HttpStatusCode.ServiceUnavailable);
        }
    }

    /// <summary>
    /// The server's tools as <paramref name="call"/>'s identity sees them, each with the hash of its live definition
    /// (<c>agentops systems check</c> compares them with the pins); nothing is called.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ListToolHashesAsync(SystemCall call, McpCall mcp, string clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(mcp);
        var tooLarge = BoundedAnswerHandler.Watch();
        try
        {
            await using var client = await ConnectAsync(call, mcp, clientId, null, cancellationToken);
            var tools = await client.ListToolsAsync(cancellationToken: cancellationToken);
            return tools.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => HashOf(g.First().ProtocolTool), StringComparer.Ordinal);
        }
        catch (Exception ex) when (tooLarge.Value || AnswerTooLargeException.IsIn(ex))
        {
            throw new StepRefusedException($"{call.System} answered tools/list with more than {BoundedAnswerHandler.MaxBytes} bytes, the limit");
        }
        catch (HttpRequestException ex) when (ex.StatusCode is { } status && SystemCallResilience.IsRefusal(status))
        {
            throw new StepRefusedException($"{call.System} answered {(int)status} {status} to tools/list: the identity may not list its tools");
        }
        catch (McpException ex)
        {
            throw new HttpRequestException($"{call.System} did not list its tools: {Trim(ex.InnerException?.Message ?? ex.Message)}", null, HttpStatusCode.ServiceUnavailable);
        }
    }

    /// <summary>A session with the system's MCP endpoint under the identity's token for the system's resource.</summary>
    private async Task<McpClient> ConnectAsync(SystemCall call, McpCall mcp, string clientId, string? idempotencyKey, CancellationToken cancellationToken, Identity.DelegatedCall? delegated = null)
    {
        var address = systems.Value.For(call.System, call.Resource);
        var token = await credentials.GetTokenAsync(clientId, call.System, cancellationToken, call.Resource, delegated);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Authorization"] = $"Bearer {token.Token}" };
        if (idempotencyKey is not null)
        {
            headers[call.IdempotencyHeader] = idempotencyKey;
        }

        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = SystemClient.SameOrigin(address.BaseUrl, mcp.Endpoint, call),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers,
                Name = $"agentops-{call.System}",
            },
            http,
            ownsHttpClient: false);
        return await McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
    }

    /// <summary>The tool must be offered, and its definition must hash to the pinned one.</summary>
    private static async Task CheckPinnedAsync(McpClient client, SystemCall call, McpCall mcp, CancellationToken cancellationToken)
    {
        var tools = await client.ListToolsAsync(cancellationToken: cancellationToken);
        var live = tools.FirstOrDefault(t => t.Name == mcp.Tool.Name)?.ProtocolTool
            ?? throw new StepRefusedException($"{call.System} no longer offers MCP tool {mcp.Tool.Name} ({call.Operation}); offered: {string.Join(", ", tools.Select(t => t.Name).Take(20))}");
        var hash = HashOf(live);
        if (hash != mcp.Tool.Sha256)
        {
            throw new StepRefusedException(
                $"MCP tool {mcp.Tool.Name} of {call.System} changed: its definition now hashes to {hash[..12]}…, the declaration pins {mcp.Tool.Sha256[..Math.Min(12, mcp.Tool.Sha256.Length)]}…; "
                + "review the tool and re-pin it (agentops systems import mcp) before it is called again");
        }
    }

    /// <summary>The hash of a tool as the server defines it (see <see cref="McpToolHash"/>).</summary>
    public static string HashOf(Tool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return McpToolHash.Compute(tool.Name, tool.Description, JsonNode.Parse(tool.InputSchema.GetRawText()));
    }

    /// <summary>The tool's answer: its structured content, else its text as JSON (or as {"text": ...}); an error result is a refusal.</summary>
    private static JsonNode? Answer(SystemCall call, McpCall mcp, CallToolResult result)
    {
        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
        if (result.IsError == true)
        {
            throw new StepRefusedException($"{call.System} MCP tool {mcp.Tool.Name} answered an error to {call.Operation}: {Trim(text)}");
        }

        JsonNode? answer;
        if (result.StructuredContent is { } structured)
        {
            answer = JsonNode.Parse(structured.GetRawText());
        }
        else
        {
            try
            {
                answer = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                answer = new JsonObject { ["text"] = text };
            }
        }

        if (answer is not null && answer.ToJsonString().Length > SystemClient.MaxAnswerBytes)
        {
            throw new StepRefusedException($"{call.System} answered {call.Operation} with more than {SystemClient.MaxAnswerBytes} bytes, the limit");
        }

        return answer;
    }

    private static Dictionary<string, object?> ToArguments(JsonObject arguments) =>
        arguments.ToDictionary(p => p.Key, p => (object?)(p.Value is null ? null : JsonSerializer.SerializeToElement(p.Value)), StringComparer.Ordinal);

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

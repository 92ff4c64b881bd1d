using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Proves system declarations against the live systems, as this host reaches them (<c>agentops systems check</c>):
/// each read operation is called once under the catalogue identity granted it, with the step identity's token and the
/// same client, origin check and answer limits as a run, and its answer is held against the declaration (answer
/// checks, record schema); writes are described and never called; each MCP tool's live definition is compared with
/// its pin. Values a read's path needs come from the caller (<c>input.accountId</c>) or from an earlier read's answer
/// (<c>account.id</c>), so reads are tried until no more can be called. Nothing the systems answered is returned, only
/// field names: the report is safe to print.
/// </summary>
public sealed class SystemChecker(SystemClient systems, McpToolClient mcp, ClientIdResolver clientIds)
{
    /// <summary>How long one call of a check may take, retries included: a check answers a person waiting at a prompt.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    public async Task<SystemCheckReport> CheckAsync(IdentityCatalogue catalogue, string environment, string? onlySystem, JsonObject values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(values);
        var items = new List<SystemCheckItem>();
        var data = values.DeepClone().AsObject();
        var declarations = (catalogue.Declarations ?? []).Where(d => onlySystem is null || d.System == onlySystem).OrderBy(d => d.System, StringComparer.Ordinal).ToList();
        var reads = new List<(OperationDeclaration Operation, SystemDeclaration System)>();
        foreach (var system in declarations)
        {
            foreach (var operation in system.Operations)
            {
                var identity = IdentityFor(catalogue, operation);
                if (operation.Tool is { } tool)
                {
                    items.Add(await CheckPinAsync(system, operation, tool, identity, environment, cancellationToken));
                }

                if (operation.Writes())
                {
                    items.Add(Describe(system, operation, identity, environment));
                }
                else
                {
                    reads.Add((operation, system));
                }
            }
        }

        // Each pass calls the reads whose values are known; a read's answer may supply the next one's.
        for (var progress = true; progress && reads.Count > 0;)
        {
            progress = false;
            foreach (var (operation, system) in reads.ToList())
            {
                if (DeclaredCalls.MissingValue(operation, data) is null)
                {
                    reads.Remove((operation, system));
                    items.Add(await ReadAsync(catalogue, environment, system, operation, data, cancellationToken));
                    progress = true;
                }
            }
        }

        foreach (var (operation, system) in reads)
        {
            var missing = DeclaredCalls.MissingValue(operation, data)!;
            items.Add(new SystemCheckItem(system.System, operation.Name, "read", SystemCheckOutcomes.Skipped, IdentityFor(catalogue, operation)?.Name, null, CallOf(operation),
                $"not called: it needs '{missing}'; give it with --set {missing}=VALUE (a record the identity may read)"));
        }

        return new SystemCheckReport(environment, items);
    }

    private async Task<SystemCheckItem> ReadAsync(IdentityCatalogue catalogue, string environment, SystemDeclaration system, OperationDeclaration operation, JsonObject data, CancellationToken cancellationToken)
    {
        var identity = IdentityFor(catalogue, operation);
        var call = CallOf(operation);
        if (ClientIdOf(identity, environment) is not { } clientId)
        {
            return new SystemCheckItem(system.System, operation.Name, "read", SystemCheckOutcomes.Failed, identity?.Name, null, call, NoIdentity(identity, environment, operation));
        }

        JsonNode? answer;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(CallTimeout);
        try
        {
            var built = DeclaredCalls.Build(operation, system, data);
            answer = DeclaredCalls.CheckAnswer(operation, data, await systems.SendAsync(built, clientId, idempotencyKey: null, deadline.Token));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new SystemCheckItem(system.System, operation.Name, "read", SystemCheckOutcomes.Failed, identity!.Name, clientId, call, Reason(ex));
        }

        if (OperationName.TryParse(operation.Name, out var name))
        {
            data[StepAliases.OfRead(name)] = answer is JsonObject one ? one.DeepClone() : new JsonObject { ["items"] = answer?.DeepClone() };
        }

        var schema = OperationName.TryParse(operation.Name, out var op) ? system.Records?.GetValueOrDefault(op.Resource) : null;
        var record = answer as JsonObject ?? (answer as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
        if (schema is null || record is null)
        {
            var why = schema is null ? $"no record schema for '{op.Resource}' to hold it against" : "the answer holds no record to hold against the schema";
            return new SystemCheckItem(system.System, operation.Name, "read", SystemCheckOutcomes.Proven, identity!.Name, clientId, call, $"answered under {identity.Name}; {why}");
        }

        var missing = schema.Fields.Keys.Where(f => !record.ContainsKey(f)).ToList();
        var mistyped = schema.Fields.Where(f => record[f.Key] is { } value && !IsOfType(value, f.Value))
            .Select(f => $"{f.Key}: declared {f.Value}, got {Kind(record[f.Key]!)}").ToList();
        var undeclared = record.Select(p => p.Key).Where(k => !schema.Fields.ContainsKey(k)).ToList();
        var fits = missing.Count == 0 && mistyped.Count == 0;
        var detail = fits
            ? $"answered under {identity!.Name}; the record has every declared field, each of its type"
            : $"answered under {identity!.Name}, but the record does not fit records.{op.Resource} in {system.File}: "
                + string.Join("; ", new[] { missing.Count > 0 ? $"missing {string.Join(", ", missing)}" : null, mistyped.Count > 0 ? $"mistyped {string.Join(", ", mistyped)}" : null }.OfType<string>());
        return new SystemCheckItem(system.System, operation.Name, "read", fits ? SystemCheckOutcomes.Proven : SystemCheckOutcomes.Failed, identity.Name, clientId, call, detail,
            missing, mistyped, undeclared);
    }

    private async Task<SystemCheckItem> CheckPinAsync(SystemDeclaration system, OperationDeclaration operation, McpToolDeclaration tool, IdentityDefinition? identity, string environment, CancellationToken cancellationToken)
    {
        var call = CallOf(operation);
        if (ClientIdOf(identity, environment) is not { } clientId)
        {
            return new SystemCheckItem(system.System, operation.Name, "tool", SystemCheckOutcomes.Failed, identity?.Name, null, call, NoIdentity(identity, environment, operation));
        }

        IReadOnlyDictionary<string, string> live;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(CallTimeout);
        try
        {
            var listing = new SystemCall(operation.Name, system.System, HttpMethod.Post, tool.Name, null, null, Resource: system.Resource,
                Mcp: new McpCall(tool, system.Mcp?.Path ?? "/mcp", []));
            live = await mcp.ListToolHashesAsync(listing, listing.Mcp!, clientId, deadline.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new SystemCheckItem(system.System, operation.Name, "tool", SystemCheckOutcomes.Failed, identity!.Name, clientId, call, Reason(ex));
        }

        if (!live.TryGetValue(tool.Name, out var hash))
        {
            return new SystemCheckItem(system.System, operation.Name, "tool", SystemCheckOutcomes.Gone, identity!.Name, clientId, call,
                $"the server no longer offers tool {tool.Name}; offered: {string.Join(", ", live.Keys.Order(StringComparer.Ordinal).Take(20))}");
        }

        return hash == tool.Sha256
            ? new SystemCheckItem(system.System, operation.Name, "tool", SystemCheckOutcomes.Pinned, identity!.Name, clientId, call, "the live definition hashes to the pin")
            : new SystemCheckItem(system.System, operation.Name, "tool", SystemCheckOutcomes.Changed, identity!.Name, clientId, call,
                $"the live definition hashes to {hash}, not to the pinned {tool.Sha256}: review the tool (agentops systems import mcp) and re-pin it; runs refuse it until then");
    }

    private SystemCheckItem Describe(SystemDeclaration system, OperationDeclaration operation, IdentityDefinition? identity, string environment)
    {
        var who = identity is null ? "no identity in identities.yaml is granted it" : $"granted to {identity.Name}";
        return new SystemCheckItem(system.System, operation.Name, "write", SystemCheckOutcomes.Described, identity?.Name, ClientIdOf(identity, environment), CallOf(operation),
            $"not called (a write): {operation.Describe()}; idempotency header {operation.IdempotencyHeader}; {who}");
    }

    /// <summary>The identity granted <paramref name="operation"/>; of several, one granted no write (the least it takes).</summary>
    private static IdentityDefinition? IdentityFor(IdentityCatalogue catalogue, OperationDeclaration operation) =>
        // A delegated identity has no token of its own (it acts for the person who starts a run), so it proves nothing here.
        catalogue.Identities.Where(i => !i.IsDelegated && i.GrantedOperations.Contains(operation.Name, StringComparer.Ordinal))
            .OrderBy(i => i.GrantedOperations.Any(catalogue.IsWrite) ? 1 : 0).ThenBy(i => i.Name, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The identity's client id in <paramref name="environment"/>, its ${SETTING} resolved; null when it has none usable.</summary>
    private string? ClientIdOf(IdentityDefinition? identity, string environment)
    {
        if (identity?.ClientIds.GetValueOrDefault(environment) is not { } id)
        {
            return null;
        }

        try
        {
            return clientIds.Resolve(id);
        }
        catch (StepRefusedException)
        {
            return null;
        }
    }

    private static string NoIdentity(IdentityDefinition? identity, string environment, OperationDeclaration operation) => identity is null
        ? $"no identity in identities.yaml is granted {operation.Name}: grant it to a reader, or remove it from the declaration"
        : $"identity {identity.Name} has no usable client id for environment '{environment}' (missing, or its ${{SETTING}} is not set on this host)";

    /// <summary>The call as declared: <c>GET /crm/accounts/{input.accountId}</c>, or <c>MCP tool get_ticket (pin 3f2a…)</c>.</summary>
    private static string CallOf(OperationDeclaration operation) => operation.Tool is { } tool
        ? $"MCP tool {tool.Name} (pin {tool.Sha256[..Math.Min(12, tool.Sha256.Length)]}…)"
        : $"{operation.Method} {string.Join(" | ", operation.Paths)}";

    /// <summary>
    /// Why a call failed, without anything the system answered: an HTTP status, or the refusal's words with every quoted
    /// value masked and any answer text after its "): " or ": " cut (a body, a tool's error text, a record's value).
    /// </summary>
    private static string Reason(Exception ex) => ex switch
    {
        OperationCanceledException => $"no answer within {CallTimeout.TotalSeconds:0} s",
        Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException => "no token for the identity (its client id, or the identity endpoint)",
        JsonException => "the answer is not JSON",
        HttpRequestException { StatusCode: { } status } => $"the system answered {(int)status} {status}",
        HttpRequestException => "the system could not be reached",
        _ => Masked(ex.Message),
    };

    private static string Masked(string message)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(message, "'[^']*'", "'…'", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        var cut = text.IndexOf("): ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            return text[..(cut + 1)];
        }

        var error = text.IndexOf(" answered an error to ", StringComparison.Ordinal);
        return error >= 0 && text.IndexOf(": ", error, StringComparison.Ordinal) is var colon and >= 0 ? text[..colon] : text;
    }

    private static bool IsOfType(JsonNode value, string type) => type switch
    {
        "string" => value.GetValueKind() == JsonValueKind.String,
        "number" => value.GetValueKind() == JsonValueKind.Number,
        "boolean" => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "date" => value.GetValueKind() == JsonValueKind.String && DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
        "object" => value is JsonObject,
        "list" => value is JsonArray,
        _ => true,
    };

    private static string Kind(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "list",
        var kind => kind.ToString().ToLowerInvariant(),
    };
}

using System.Text.Json.Serialization;

namespace DurableAgentOps.Core.Model;

/// <summary>
/// How the product reaches one business system, declared in <c>workflows/systems/&lt;system&gt;.yaml</c>: the token
/// audience its step identities ask for and every operation a workflow may name, each as an HTTP call built from the
/// step's data. The system's base URL is a setting per environment (<c>AgentOps:Systems:Endpoints:&lt;system&gt;:BaseUrl</c>),
/// never part of the file. <see cref="File"/> is where it was read, for messages; a snapshot does not keep it (the same
/// declaration read on two machines must hash the same).
/// </summary>
public sealed record SystemDeclaration(
    string System,
    [property: JsonIgnore] string File,
    string Description,
    string? Resource,
    IReadOnlyList<OperationDeclaration> Operations,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] McpEndpoint? Mcp = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, RecordSchema>? Records = null)
{
    public const string HttpKind = "http";

    public const string McpKind = "mcp";

    public OperationDeclaration? Find(string operation) => Operations.FirstOrDefault(o => o.Name == operation);
}

/// <summary>
/// One operation as an HTTP call. <see cref="Paths"/> are templates over run data (<c>/crm/accounts/{input.accountId}</c>,
/// values escaped); the first whose values are all present is used. <see cref="Name"/> is qualified (crm.accounts.read).
/// </summary>
public sealed record OperationDeclaration(
    string Name,
    string Method,
    IReadOnlyList<string> Paths,
    RecordDeclaration? Record,
    BodyDeclaration? Body,
    AnswerDeclaration? Answer,
    IReadOnlyList<int> Success,
    string IdempotencyHeader,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] McpToolDeclaration? Tool = null)
{
    /// <summary>The method an MCP operation is recorded with (its call is a tools/call, not an HTTP method).</summary>
    public const string McpMethod = "MCP";

    public const string DefaultIdempotencyHeader = "Idempotency-Key";

    /// <summary>The system's part of <see cref="Name"/>.</summary>
    public string System => Name.Split('.')[0];

    /// <summary>True when the call changes a record: it sends a body, or its verb is not a read verb (a method, so snapshots do not carry it).</summary>
    public bool Writes() => Body is not null || !OperationName.TryParse(Name, out var name) || !name.IsRead;

    /// <summary>The call as declared, for people: "POST /crm/accounts/{record.id}/tasks; record input.accountId or account.id; region from account.region; body draft.task".</summary>
    public string Describe()
    {
        var parts = new List<string>
        {
            Tool is { } tool
                ? $"MCP tool {tool.Name} (pinned {tool.Sha256[..Math.Min(12, tool.Sha256.Length)]}){string.Concat(tool.Arguments.Select(a => $", {a.Key} from {a.Value}"))}"
                : $"{Method} {string.Join(" or ", Paths)}",
        };
        if (Record is { } record)
        {
            parts.Add($"record {string.Join(" or ", record.Id)}");
            parts.AddRange(record.Attributes.Select(a => $"{a.Key} from {a.Value}"));
        }

        if (Body is { } body)
        {
            parts.Add($"body {body.From}{string.Concat(body.Set.Select(f => $", {f.Key} from {f.Value}"))}");
        }

        return string.Join("; ", parts);
    }
}

/// <summary>
/// The record a call touches: its id (the first of <see cref="Id"/>'s run-data paths that has a value), the read step
/// alias that holds it as read (<see cref="Read"/>: its values before a write, and its id must agree), and the
/// attributes the scope guard judges, each from a run-data path.
/// </summary>
public sealed record RecordDeclaration(IReadOnlyList<string> Id, string? Read, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A write's body: the object at <see cref="From"/> (the draft the approver saw), with <see cref="Set"/> fields filled from run data.</summary>
public sealed record BodyDeclaration(string From, IReadOnlyDictionary<string, string> Set);

/// <summary>
/// What a read's answer is: the part kept (<see cref="Select"/>, a dotted path into the answer; all of it when null), and
/// fields that must equal run data (<see cref="MustMatch"/>: answer field → run-data paths), so a record named in
/// passing (a call, an order) is refused unless it belongs to the run's record.
/// </summary>
public sealed record AnswerDeclaration(string? Select, IReadOnlyDictionary<string, IReadOnlyList<string>> MustMatch);

/// <summary>Where an MCP system listens: the path of its streamable HTTP endpoint below the system's base URL.</summary>
public sealed record McpEndpoint(string Path);

/// <summary>
/// One MCP tool a workflow may call: the server's tool name, the SHA-256 of the server's own definition of it (name,
/// description and input schema; see <see cref="McpToolHash"/>), pinned so a changed tool is refused, and each
/// argument's value as a run-data path (<c>record.id</c> is the call's record). A write's fields come from its body.
/// </summary>
public sealed record McpToolDeclaration(string Name, string Sha256, IReadOnlyDictionary<string, string> Arguments);

/// <summary>
/// What a resource's record holds: each field and its type (string, number, boolean, date, object, list), and which
/// fields are sensitive (a workflow that reads them should redact them in its evidence). Used by <c>validate</c> to
/// check the fields conditions, templates and redactions name; not pinned in a run's snapshot.
/// </summary>
public sealed record RecordSchema(IReadOnlyDictionary<string, string> Fields, IReadOnlyList<string> Sensitive)
{
    public static IReadOnlySet<string> Types { get; } = new HashSet<string>(StringComparer.Ordinal) { "string", "number", "boolean", "date", "object", "list" };
}

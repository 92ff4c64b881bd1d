using System.Text.Json;
using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>The operation an endpoint performs: the role it needs, and the name the request log shows.</summary>
internal sealed record SystemOperation(string System, string Role, string Name)
{
    public string QualifiedName => $"{System}.{Name}";
}

/// <summary>
/// One request to a sample system. The filter authenticates it before the handler runs; handlers use it to check
/// record scope and writable fields against the caller's token, and every refusal keeps its reason for the log.
/// </summary>
internal sealed class SystemCall(HttpContext http, SystemOperation operation)
{
    public HttpContext Http { get; } = http;

    public SystemOperation Operation { get; } = operation;

    /// <summary>Set by the filter before the handler runs.</summary>
    public CallerToken Caller { get; set; } = null!;

    public string? Reason { get; private set; }

    public bool Dropped { get; private set; }

    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>Minimal API binding: the call is built from the endpoint's <see cref="SystemOperation"/> metadata.</summary>
    public static ValueTask<SystemCall?> BindAsync(HttpContext context)
    {
        var operation = context.GetEndpoint()?.Metadata.GetMetadata<SystemOperation>()
            ?? throw new InvalidOperationException("a sample-system endpoint needs SystemOperation metadata");
        return ValueTask.FromResult<SystemCall?>(new SystemCall(context, operation));
    }

    public IResult Refuse(int status, string error, string reason)
    {
        Reason = reason;
        return Results.Json(new Dictionary<string, string> { ["error"] = error, ["reason"] = reason }, DevJson.Options, statusCode: status);
    }

    public IResult Forbidden(string reason) => Refuse(StatusCodes.Status403Forbidden, "forbidden", reason);

    public IResult NotFound(string what) => Refuse(StatusCodes.Status404NotFound, "not_found", $"{what} not found");

    public IResult Invalid(string reason) => Refuse(StatusCodes.Status400BadRequest, "invalid_request", reason);

    public void Note(string reason) => Reason = reason;

    /// <summary>The write committed but the client gets no answer (fault injection).</summary>
    public void Drop(string reason)
    {
        Dropped = true;
        Reason = reason;
        Http.Abort();
    }

    /// <summary>A record is reachable when the token restricts none of its attributes, or lists its value.</summary>
    public IResult? CheckRecord(string record, string attribute, string value)
    {
        if (Caller.Records is null || !Caller.Records.TryGetValue(attribute, out var allowed) || allowed.Contains(value, StringComparer.Ordinal))
        {
            return null;
        }

        return Forbidden($"record {record} has {attribute} '{value}', outside the token's {attribute} scope [{string.Join(", ", allowed)}]");
    }

    /// <summary>Every field a write sends must be in the token's xms_fields; a workload token without it may write no field.</summary>
    private IResult? CheckFields(JsonElement body)
    {
        // A delegated token carries the person's permissions, not a declaration's field list (that is the guard's).
        if (Caller.Delegated is not null)
        {
            return null;
        }

        var denied = body.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !Caller.Fields.Contains(name));
        return denied is null
            ? null
            : Forbidden($"field {denied} is not writable by this token (xms_fields: [{string.Join(", ", Caller.Fields.Order(StringComparer.Ordinal))}])");
    }

    /// <summary>A write's body: a JSON object of string (or null) fields.</summary>
    private async Task<(Dictionary<string, string> Fields, JsonElement Body, IResult? Problem)> ReadBodyAsync()
    {
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(Http.Request.Body, cancellationToken: Aborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ([], default, Invalid("the body is not valid JSON"));
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return ([], body, Invalid("the body must be a JSON object"));
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            // null means "not given" (a draft may leave a field empty); the field check still sees its name.
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                return ([], body, Invalid($"field {property.Name} must be a string or null"));
            }

            fields[property.Name] = property.Value.GetString()!;
        }

        return (fields, body, null);
    }

    /// <summary>Fields the token may write but the endpoint does not know are a caller bug: 400, after the 403 check.</summary>
    private IResult? CheckKnown(JsonElement body, IReadOnlyCollection<string> known, string what)
    {
        var unknown = body.EnumerateObject().Select(p => p.Name).FirstOrDefault(k => !known.Contains(k));
        return unknown is null ? null : Invalid($"{unknown} is not a field of {what} (fields: {string.Join(", ", known)})");
    }

    /// <summary>
    /// The checks every write makes before it plans a change, in the order a caller sees their answers: 400 key or
    /// body, then the record (<paramref name="checkRecord"/>: 404 missing, 403 out of scope), 403 unwritable field,
    /// 400 unknown field.
    /// </summary>
    public async Task<(string Key, Dictionary<string, string> Fields, JsonElement Body, IResult? Problem)> PrepareWriteAsync(
        Func<Task<IResult?>> checkRecord, IReadOnlyCollection<string> known, string what)
    {
        var (key, keyProblem) = IdempotentWrites.RequireKey(this);
        if (keyProblem is not null)
        {
            return (string.Empty, [], default, keyProblem);
        }

        var (fields, body, problem) = await ReadBodyAsync();
        problem ??= await checkRecord() ?? CheckFields(body) ?? CheckKnown(body, known, what);
        return (key!, fields, body, problem);
    }
}

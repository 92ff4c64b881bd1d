using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Runs;

/// <summary>
/// The run API's handlers, written once: the standalone host maps them to its routes and the Functions app calls
/// them from its HTTP triggers, so both authenticate the same way and answer with the same payloads, status codes
/// and problem details.
/// </summary>
public static class RunHttp
{
    /// <summary>Largest request body any API route reads; past it the answer is 413 naming the limit.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Longest run or instance id a route takes (ids are table keys and appear in every status).</summary>
    public const int MaxIdLength = 100;

    // Explicit rather than the host's HTTP JSON options: the payloads must not depend on which host serves them.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static async Task<IResult> StartAsync(RunService runs, HttpContext http, string workflow, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(http);
        var (caller, refused) = await AuthenticateAsync(http);
        if (caller is null)
        {
            return refused!;
        }

        var (body, invalid) = await ReadObjectAsync(http.Request, ct, "input");
        if (invalid is not null)
        {
            return invalid;
        }

        if (body!["input"] is { } node && node is not JsonObject)
        {
            return BadRequest("'input' must be a JSON object of the workflow's input fields.");
        }

        return await Handle(async () =>
        {
            var runId = await runs.StartAsync(workflow, body["input"] as JsonObject, caller, ct);
            return Results.Json(new { runId, workflow, initiator = caller.ToPrincipal(), statusUrl = $"/api/runs/{runId}" }, Json, statusCode: 202);
        });
    }

    public static async Task<IResult> GetAsync(RunService runs, HttpContext http, string runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var (caller, refused) = await AuthenticateForRunAsync(http, runId);
        if (caller is null)
        {
            return refused!;
        }

        return await Handle(async () => await runs.GetAsync(runId, caller, ct) is { } status
            ? Results.Json(status, Json)
            : Results.Problem($"No run with id '{runId}'.", statusCode: 404, title: "Unknown run."));
    }

    public static async Task<IResult> ApproveAsync(RunService runs, HttpContext http, string runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var (caller, refused) = await AuthenticateForRunAsync(http, runId);
        if (caller is null)
        {
            return refused!;
        }

        var (body, invalid) = await ReadObjectAsync(http.Request, ct, "approved", "comment");
        if (invalid is not null)
        {
            return invalid;
        }

        if (body!["approved"] is not JsonValue approvedValue || !approvedValue.TryGetValue<bool>(out var approved))
        {
            return BadRequest("'approved' is required: true to approve, false to reject.");
        }

        string? comment = null;
        if (body["comment"] is { } commentNode && (commentNode is not JsonValue commentValue || !commentValue.TryGetValue(out comment)))
        {
            return BadRequest("'comment' must be a string.");
        }

        var auth = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var channel = caller.ClientId is { } client && client == auth.CliClientId ? "cli" : "api";
        return await Handle(async () =>
        {
            var receipt = await runs.DecideAsync(runId, caller, approved, comment, channel, ct);
            return Results.Json(receipt, Json, statusCode: 202);
        });
    }

    /// <summary>The gates the signed-in caller can answer now (<c>GET /api/approvals</c>).</summary>
    public static async Task<IResult> PendingAsync(RunService runs, HttpContext http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var (caller, refused) = await AuthenticateAsync(http);
        if (caller is null)
        {
            return refused!;
        }

        return await Handle(async () => Results.Json(new { approver = caller.ToPrincipal(), pending = await runs.PendingForAsync(caller, ct) }, Json));
    }

    /// <summary>
    /// The verified caller of this request, or the answer to send instead: 401 naming what to send (the bearer
    /// handler's challenge), or 401 for a token that names no principal. The same call on both hosts.
    /// </summary>
    public static async Task<(Caller? Caller, IResult? Refusal)> AuthenticateAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var result = await http.AuthenticateAsync(AuthenticationSetup.Scheme);
        if (!result.Succeeded)
        {
            return (null, Results.Challenge(authenticationSchemes: [AuthenticationSetup.Scheme]));
        }

        return CallerClaims.From(result.Principal) is { } caller
            ? (caller, null)
            : (null, Results.Problem("The token names no object id (oid): there is no stable principal to act as.", statusCode: 401, title: "Sign-in required."));
    }

    /// <summary>The verified caller of a request about one run, or the refusal: 401 first, then 400 for a bad id.</summary>
    private static async Task<(Caller? Caller, IResult? Refusal)> AuthenticateForRunAsync(HttpContext http, string runId)
    {
        var (caller, refused) = await AuthenticateAsync(http);
        return caller is null ? (null, refused) : InvalidId(runId, "runId") is { } bad ? (null, bad) : (caller, null);
    }

    /// <summary>400 for an id that is empty, too long or holds characters ids never have (so it cannot reach storage keys).</summary>
    public static IResult? InvalidId(string id, string name) =>
        id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? null
            : BadRequest($"'{name}' must be 1-{MaxIdLength} letters, digits, '-', '_', '.' or ':'.");

    /// <summary>
    /// A JSON object body with only the <paramref name="allowed"/> properties: another media type is a 415, a body
    /// over <see cref="MaxBodyBytes"/> a 413, unparsable JSON or an unknown property a 400 naming it. A missing body
    /// reads as an empty object.
    /// </summary>
    public static async Task<(JsonObject? Body, IResult? Invalid)> ReadObjectAsync(HttpRequest request, CancellationToken ct, params string[] allowed)
    {
        var (node, invalid) = await ReadJsonBodyAsync<JsonNode>(request, ct, optional: true);
        if (invalid is not null)
        {
            return (null, invalid);
        }

        if (node is null)
        {
            return ([], null);
        }

        if (node is not JsonObject body)
        {
            return (null, BadRequest("The body must be a JSON object."));
        }

        foreach (var (name, _) in body)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                var why = name is "initiator" or "approver" or "channel"
                    ? $"'{Bounded(name)}' is not accepted: who acts is the signed-in caller, and the channel is the route they used"
                    : $"'{Bounded(name)}' is not a field of this request";
                return (null, BadRequest($"{why} (fields: {string.Join(", ", allowed)})."));
            }
        }

        return (body, null);
    }

    /// <summary>
    /// A JSON request body: another media type is a 415, one over <see cref="MaxBodyBytes"/> a 413, and unparsable
    /// JSON a 400 naming the problem, never a 500. With <paramref name="optional"/>, a request without a body reads as null.
    /// </summary>
    public static async Task<(T? Body, IResult? Invalid)> ReadJsonBodyAsync<T>(HttpRequest request, CancellationToken ct, bool optional = false)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (optional && request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            // ReadFromJsonAsync would throw (a 500); say what is wrong instead, as minimal API binding does.
            return (null, Results.Problem("Send the body as application/json.", statusCode: 415, title: "Unsupported media type."));
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        // Read at most one byte past the limit, whatever Content-Length said (chunked bodies have none).
        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        try
        {
            var body = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), Json);
            Materialize(body as JsonNode);
            return (body, null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : string.Empty;
            return (null, Results.Problem($"The body is not valid JSON{where}.", statusCode: 400, title: "The request body is not valid JSON."));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // JsonNode reads lazily: a duplicate property or a string that is not valid UTF-8/UTF-16 surfaces only here.
            return (null, Results.Problem("The body is not valid JSON: a property appears twice in one object, or a string is not valid Unicode.",
                statusCode: 400, title: "The request body is not valid JSON."));
        }
    }

    /// <summary>Reads every object and string once, so a body that would throw later is refused now.</summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Materialize(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Materialize(item);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                _ = value.GetValue<string>();
                break;
        }
    }

    public static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: 400, title: "Bad request.");

    private static IResult TooLarge() =>
        Results.Problem($"The body is over {MaxBodyBytes} bytes, the limit of this API.", statusCode: 413, title: "Request body too large.");

    /// <summary>A refused request becomes problem details with its status, and the input errors field by field.</summary>
    private static async Task<IResult> Handle(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (RunRequestException ex)
        {
            var extensions = ex.Errors.Count == 0
                ? null
                : new Dictionary<string, object?> { ["errors"] = ex.Errors.Select(e => new { field = e.Field, message = e.Message }).ToList() };
            return Results.Problem(ex.Message, statusCode: ex.Status, title: ex.Title, extensions: extensions);
        }
    }

    private static string Bounded(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

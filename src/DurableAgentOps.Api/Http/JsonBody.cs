using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Api.Http;

/// <summary>
/// Request bodies, read one way for every route: another media type is a 415, a body over <see cref="MaxBytes"/> a 413,
/// unparsable JSON a 400 naming where, never a 500.
/// </summary>
internal static class JsonBody
{
    /// <summary>Largest request body any API route reads; past it the answer is 413 naming the limit.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// A JSON object body with only the <paramref name="allowed"/> properties: an unknown property is a 400 naming it. A
    /// missing body reads as an empty object.
    /// </summary>
    public static async Task<(JsonObject? Body, IResult? Invalid)> ReadObjectAsync(HttpRequest request, CancellationToken ct, params string[] allowed)
    {
        var (node, invalid) = await ReadAsync<JsonNode>(request, ct, optional: true);
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
            return (null, ApiResults.BadRequest("The body must be a JSON object."));
        }

        foreach (var (name, _) in body)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                var why = name is "initiator" or "approver" or "channel"
                    ? $"'{Bounded(name)}' is not accepted: who acts is the signed-in caller, and the channel is the route they used"
                    : $"'{Bounded(name)}' is not a field of this request";
                return (null, ApiResults.BadRequest($"{why} (fields: {string.Join(", ", allowed)})."));
            }
        }

        return (body, null);
    }

    /// <summary>A JSON request body as <typeparamref name="T"/>; with <paramref name="optional"/>, a request without a body reads as null.</summary>
    public static async Task<(T? Body, IResult? Invalid)> ReadAsync<T>(HttpRequest request, CancellationToken ct, bool optional = false, int maxBytes = MaxBytes)
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

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        // Read at most one byte past the limit, whatever Content-Length said (chunked bodies have none).
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0)
        {
            length += read;
        }

        if (length > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        try
        {
            var body = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), ApiJson.Options);
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

    private static IResult TooLarge(int maxBytes = MaxBytes) =>
        Results.Problem($"The body is over {maxBytes} bytes, the limit of this API.", statusCode: 413, title: "Request body too large.");

    /// <summary>A caller's text quoted in a refusal, cut at 40 characters: an answer never echoes a whole request back.</summary>
    internal static string Bounded(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

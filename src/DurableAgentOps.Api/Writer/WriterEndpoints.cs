using DurableAgentOps.Api.Http;
using DurableAgentOps.Runtime.Writer;
using Microsoft.AspNetCore.Mvc;

namespace DurableAgentOps.Api.Writer;

/// <summary>
/// The writer's routes (the standalone host's writer role, or the writer Function App): the intent the main app hands
/// over, and a health probe. No sign-in: the intent's signature is what authenticates it, and the writer checks
/// everything the intent claims against the stores before it writes.
/// </summary>
public static class WriterEndpoints
{
    /// <summary>An intent carries the run's data so far (each system answer is bounded: SystemClient), so more than an API body.</summary>
    public const int MaxIntentBytes = 8 * 1024 * 1024;

    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("WriteIntent", "POST", WriterClient.IntentsPath, null, WriteAsync),
        new("WriterHealth", "GET", "/healthz", null, Health),
    ];

    /// <summary>Maps the writer's routes.</summary>
    public static IEndpointRouteBuilder MapWriterApi(this IEndpointRouteBuilder app) => app.MapApiEndpoints(All);

    /// <summary><c>GET /healthz</c>: the writer answers (it keeps no engine to report on).</summary>
    public static IResult Health() => Results.Json(new { status = "healthy", role = "writer" });

    /// <summary><c>POST /writer/intents</c> with <c>{"intent": "…", "signature": "…"}</c>: see <see cref="WriterService.AnswerAsync"/>.</summary>
    public static async Task<IResult> WriteAsync(HttpRequest request, [FromServices] WriterService writer, CancellationToken ct)
    {
        var (signed, invalid) = await JsonBody.ReadAsync<SignedWriteIntent>(request, ct, maxBytes: MaxIntentBytes);
        if (invalid is not null)
        {
            return invalid;
        }

        if (signed is not { Intent: { Length: > 0 }, Signature: { Length: > 0 } })
        {
            return Results.Json(new WriterProblem("invalid", "the body must be {\"intent\": \"…\", \"signature\": \"…\"}", WriteIntentRefusal.Forged.ToString()), statusCode: 400);
        }

        // The writer finishes a write it began whatever happens to this request (WriterService).
        var (status, answer) = await writer.AnswerAsync(signed, ct);
        return Results.Json(answer, statusCode: status);
    }
}

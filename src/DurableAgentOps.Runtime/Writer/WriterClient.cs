using System.Net;
using System.Net.Http.Json;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// The main app's side of the hand-over: it posts a signed intent to the writer and turns the answer into the step's
/// outcome. Not retried here: a write's retries are the step's declared ones, each with a fresh intent.
/// </summary>
public sealed class WriterClient(HttpClient http, IOptions<WriterOptions> options)
{
    /// <summary>The writer's route: under the writer's base URL (a Function App's is its /api/ prefix).</summary>
    public const string IntentsPath = "/writer/intents";

    public Uri? Writer => options.Value.Url;

    public async Task<WriterAnswer> WriteAsync(SignedWriteIntent intent, CancellationToken cancellationToken)
    {
        var writer = options.Value.Url ?? throw new StepRefusedException($"isolation separate-writer: this app has no writer ({WriterOptions.Section}:Url); the write is refused");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(IntentsUri(writer), intent, EngineJson.Options, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new WriterUnreachableException($"the writer at {writer.Authority} did not answer: {ex.Message}", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<WriterAnswer>(EngineJson.Options, cancellationToken)
                    ?? throw new WriterUnreachableException("the writer answered an empty body");
            }

            var problem = await ReadProblemAsync(response, cancellationToken);
            if (problem.Calls is { } calls)
            {
                // Stopped part way: the orchestrator keeps what was confirmed, as for a write made in this app.
                Exception cause = problem.Refused ? new StepRefusedException(problem.Detail) : new WriterUnreachableException(problem.Detail);
                throw new WriteIncompleteException(calls.Made, calls.Failed.FirstOrDefault() ?? string.Empty, calls.NotSent, cause);
            }

            // An expired intent is the clock's doing, not a refusal of the change: the step's next attempt signs a fresh one.
            var refused = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.BadRequest
                or HttpStatusCode.UnprocessableEntity or HttpStatusCode.RequestEntityTooLarge;
            throw refused && problem.Refusal != nameof(WriteIntentRefusal.Expired)
                ? new StepRefusedException($"the writer refused the intent ({problem.Refusal ?? problem.Error}): {problem.Detail}")
                : new WriterUnreachableException($"the writer answered {(int)response.StatusCode}: {problem.Detail}");
        }
    }

    /// <summary><paramref name="writer"/> joined with the route, keeping any path the base URL has (https://app/api/).</summary>
    public static Uri IntentsUri(Uri writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var root = writer.AbsoluteUri.EndsWith('/') ? writer : new Uri(writer.AbsoluteUri + "/");
        return new Uri(root, IntentsPath.TrimStart('/'));
    }

    private static async Task<WriterProblem> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<WriterProblem>(EngineJson.Options, cancellationToken)
                ?? new WriterProblem("unknown", "no body");
        }
        catch (System.Text.Json.JsonException)
        {
            return new WriterProblem("unknown", $"a {(int)response.StatusCode} answer that is not a writer problem");
        }
    }
}

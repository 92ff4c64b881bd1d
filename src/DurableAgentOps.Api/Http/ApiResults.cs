using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Api.Http;

/// <summary>The answers every area gives alike: problem details with a status, a title and a detail that says what to do.</summary>
internal static class ApiResults
{
    /// <summary>Longest run or instance id a route takes (ids are table keys and appear in every status).</summary>
    public const int MaxIdLength = 100;

    public static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: 400, title: "Bad request.");

    public static IResult Json(object value, int statusCode = 200) => Results.Json(value, ApiJson.Options, statusCode: statusCode);

    /// <summary>400 for an id that is empty, too long or holds characters ids never have (so it cannot reach storage keys).</summary>
    public static IResult? InvalidId(string id, string name) =>
        id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? null
            : BadRequest($"'{name}' must be 1-{MaxIdLength} letters, digits, '-', '_', '.' or ':'.");

    /// <summary>A run request the run service refused: problem details with its status, and the input errors field by field.</summary>
    public static IResult Refused(RunRequestException refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        var extensions = refused.Errors.Count == 0
            ? null
            : new Dictionary<string, object?> { ["errors"] = refused.Errors.Select(e => new { field = e.Field, message = e.Message }).ToList() };
        return Results.Problem(refused.Message, statusCode: refused.Status, title: refused.Title, extensions: extensions);
    }

    /// <summary>Runs <paramref name="action"/>, turning the run service's refusal into its problem details.</summary>
    public static async Task<IResult> OrRefusalAsync(Func<Task<IResult>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action();
        }
        catch (RunRequestException ex)
        {
            return Refused(ex);
        }
    }

    public static IResult NotFound(string title, string detail) => Results.Problem(detail, statusCode: 404, title: title);
}

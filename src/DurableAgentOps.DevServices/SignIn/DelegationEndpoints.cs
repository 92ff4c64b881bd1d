using System.Text.Json;
using System.Xml;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// Dev-only, no authentication: revoke a person's sessions (<c>POST /_dev/people/{upn}/revoke</c>, as Graph's
/// revokeSignInSessions) and move the DevServices clock (<c>GET/POST /_dev/clock</c>).
/// </summary>
internal static class DelegationEndpoints
{
    public const string LogCategory = "DurableAgentOps.DevServices.Delegation";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/_dev/people/{idOrUserPrincipalName}/revoke", (string idOrUserPrincipalName, DevDirectory directory, SessionRevocations revocations, TimeProvider time, ILoggerFactory loggers) =>
            Revoke(idOrUserPrincipalName, directory, revocations, time, loggers.CreateLogger(LogCategory), "POST /_dev/people/{upn}/revoke") is { } person
                ? Results.Json(new { revoked = person.UserPrincipalName, id = person.Id, at = time.GetUtcNow() }, DevJson.Options)
                : Results.Json(new Dictionary<string, string> { ["error"] = "not_found", ["reason"] = $"person '{idOrUserPrincipalName}' is not in the dev directory" }, DevJson.Options, statusCode: StatusCodes.Status404NotFound));
        endpoints.MapGet("/_dev/clock", (TimeProvider time) => Clock(time));
        endpoints.MapPost("/_dev/clock", AdvanceAsync);
    }

    /// <summary>Revokes the person's sessions now; null when there is no such person.</summary>
    public static DevPerson? Revoke(string idOrUserPrincipalName, DevDirectory directory, SessionRevocations revocations, TimeProvider time, ILogger logger, string route)
    {
        var person = directory.FindPerson(idOrUserPrincipalName);
        if (person is null)
        {
            return null;
        }

        var at = time.GetUtcNow();
        revocations.Revoke(person.Id, at);
        logger.SessionsRevoked(person.UserPrincipalName, person.Id, at, route);
        return person;
    }

    private static IResult Clock(TimeProvider time) =>
        Results.Json(new Dictionary<string, object>
        {
            ["now"] = time.GetUtcNow(),
            ["offset"] = XmlConvert.ToString(time is DevClock clock ? clock.Offset : TimeSpan.Zero),
        }, DevJson.Options);

    private static async Task<IResult> AdvanceAsync(HttpRequest request, TimeProvider time, ILoggerFactory loggers)
    {
        if (time is not DevClock clock)
        {
            return Problem(StatusCodes.Status409Conflict, "this DevServices runs on a clock of its host (a test's own TimeProvider); move that one");
        }

        string? advance = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("advance", out var value) && value.ValueKind == JsonValueKind.String)
            {
                advance = value.GetString();
            }
        }
        catch (JsonException)
        {
            return Problem(StatusCodes.Status400BadRequest, "the body must be JSON: {\"advance\": \"P2D\"}");
        }

        TimeSpan by;
        try
        {
            by = XmlConvert.ToTimeSpan(advance ?? string.Empty);
        }
        catch (FormatException)
        {
            return Problem(StatusCodes.Status400BadRequest, $"advance must be an ISO 8601 duration such as P2D or PT30M, not '{advance}'");
        }

        if (by <= TimeSpan.Zero || by > TimeSpan.FromDays(400))
        {
            return Problem(StatusCodes.Status400BadRequest, $"advance must be positive and at most 400 days (the clock only moves forward), not {advance}");
        }

        var offset = clock.Advance(by);
        loggers.CreateLogger(LogCategory).ClockAdvanced(by, clock.GetUtcNow(), offset);
        return Clock(clock);
    }

    private static IResult Problem(int status, string reason) =>
        Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request", ["reason"] = reason }, DevJson.Options, statusCode: status);
}

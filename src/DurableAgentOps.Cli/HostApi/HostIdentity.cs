using System.Net;

namespace DurableAgentOps.Cli.HostApi;

/// <summary>
/// Whether what answers at --host is a DurableAgentOps host. Its GET /api/host names the governance it enforces, or
/// refuses the caller with a problem document (RFC 9457); a web server, a proxy or another API answers otherwise.
/// </summary>
internal static class HostIdentity
{
    public const string Path = "/api/host";

    private const string ProblemJson = "application/problem+json";

    /// <summary>
    /// An answer a DurableAgentOps host does not give on its API routes, worth asking GET /api/host about: a 404 (also
    /// what an unknown workflow or run gets, hence the question), an error that is not a problem document, or a
    /// success that is not JSON (an HTML page).
    /// </summary>
    public static bool LooksForeign(HostResponse response) =>
        response.Status == HttpStatusCode.NotFound
        || (!response.IsSuccess && !string.Equals(response.MediaType, ProblemJson, StringComparison.OrdinalIgnoreCase))
        || (response.IsSuccess && response.MediaType is { } type && !IsJson(type));

    /// <summary>
    /// Null when <paramref name="hostAnswer"/> (to GET /api/host) is a DurableAgentOps host's: its settings, or a problem
    /// document refusing the caller or saying it cannot answer now (sign-in, role, rate limit, storage outage), which
    /// cannot be checked further and is given the benefit of the doubt; a 404 or 405 there means the route is not served.
    /// Else what it answered, for the message.
    /// </summary>
    public static string? NotAHost(HostResponse hostAnswer)
    {
        var ours = hostAnswer.IsSuccess
            ? IsJson(hostAnswer.MediaType) && hostAnswer.Read<HostDto>()?.ToGovernance() is not null
            : hostAnswer.Status is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
                && string.Equals(hostAnswer.MediaType, ProblemJson, StringComparison.OrdinalIgnoreCase);
        if (ours)
        {
            return null;
        }

        var answered = $"GET {Path} answered {(int)hostAnswer.Status} {hostAnswer.MediaType ?? "with no content type"}";
        // A platform or a proxy in front of a stopped, restricted or signed-in-only app answers like this itself.
        var inFront = (int)hostAnswer.Status is 401 or 403 or >= 300 and < 400 or >= 500;
        return inFront ? answered + "; a proxy or the platform may be answering for a host that is stopped or restricted" : answered;
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}

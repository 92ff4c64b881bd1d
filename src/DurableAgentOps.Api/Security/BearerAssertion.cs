namespace DurableAgentOps.Api.Security;

/// <summary>
/// The caller's own sign-in token, as the request carried it: what a run that acts for its starter (on-behalf-of)
/// exchanges, once, at start. Read only after the JWT bearer handler validated it (the endpoint's policy); a request
/// authenticated any other way carries none, and the run service refuses such a run with the reason.
/// </summary>
internal static class BearerAssertion
{
    private const string Scheme = "Bearer ";

    public static string? Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.Authorization is { Count: 1 } values && values[0] is { } value
            && value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && value.Length > Scheme.Length
            ? value[Scheme.Length..].Trim()
            : null;
    }
}

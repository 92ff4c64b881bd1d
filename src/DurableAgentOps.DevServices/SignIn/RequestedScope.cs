namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// The scopes of a sign-in, and what they make of the access token: the audience is the resource of the first scope
/// that is not an OpenID one (everything before its last '/': api://durableagentops/.default and
/// api://durableagentops/Runs.Access both name api://durableagentops), or the client id when there is none;
/// <c>scp</c> holds the scope names other than .default.
/// </summary>
internal sealed record RequestedScope(IReadOnlyList<string> Scopes, string? Resource, IReadOnlyList<string> ScopeNames)
{
    public const string OpenId = "openid";

    /// <summary>Scopes every OpenID provider knows; they name no resource. offline_access is accepted, but no refresh token is issued.</summary>
    public static readonly IReadOnlySet<string> OpenIdScopes = new HashSet<string>(StringComparer.Ordinal) { OpenId, "profile", "email", "offline_access" };

    public string Value => string.Join(' ', Scopes);

    public string AudienceFor(string clientId) => Resource ?? clientId;

    /// <summary>The parsed scope, or why it is refused (an RFC 6749 invalid_scope).</summary>
    public static (RequestedScope? Scope, string? Problem) Parse(string? scope, bool requireOpenId)
    {
        var scopes = (scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        if (requireOpenId && !scopes.Contains(OpenId, StringComparer.Ordinal))
        {
            return (null, "scope must include openid");
        }

        string? resource = null;
        var names = new List<string>();
        foreach (var item in scopes.Where(s => !OpenIdScopes.Contains(s)))
        {
            var slash = item.LastIndexOf('/');
            if (slash <= 0 || slash == item.Length - 1)
            {
                return (null, $"scope '{item}' names no resource: use <resource>/<scope>, e.g. api://durableagentops/.default");
            }

            var itemResource = item[..slash];
            resource ??= itemResource;
            if (!string.Equals(resource, itemResource, StringComparison.Ordinal))
            {
                // As Entra ID: one token has one audience, so one request names one resource.
                return (null, $"scopes name two resources ({resource} and {itemResource}); ask for one resource per request");
            }

            var name = item[(slash + 1)..];
            if (name != ".default" && !names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
        }

        return (new RequestedScope(scopes, resource, names), null);
    }
}

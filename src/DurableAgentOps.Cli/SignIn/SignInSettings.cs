namespace DurableAgentOps.Cli.SignIn;

/// <summary>
/// Where the CLI signs in and for what: the OpenID Connect authority, the CLI's client id and the host API's scope.
/// The defaults are the local dev sign-in provider's; Azure deployments pass their own (or set the variables).
/// </summary>
internal sealed record SignInSettings(Uri Authority, string ClientId, string Scope)
{
    public const string AuthorityVariable = "AGENTOPS_AUTHORITY";
    public const string ClientIdVariable = "AGENTOPS_CLIENT_ID";
    public const string ScopeVariable = "AGENTOPS_SCOPE";

    public const string DefaultAuthority = "http://127.0.0.1:7080/signin";
    public const string DefaultClientId = "agentops-cli";
    public const string DefaultScope = "api://durableagentops/.default";

    /// <summary>Options win over variables, variables over defaults; null (with the reason) when the authority is not a URL.</summary>
    public static SignInSettings? Resolve(string? authority, string? clientId, string? scope, out string? problem)
    {
        var text = First(authority, AuthorityVariable, DefaultAuthority);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            problem = $"the authority must be an http(s) URL; got '{text}'";
            return null;
        }

        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            problem = $"the authority must use https unless it runs on this machine; got '{text}'";
            return null;
        }

        problem = null;
        return new SignInSettings(uri, First(clientId, ClientIdVariable, DefaultClientId), First(scope, ScopeVariable, DefaultScope));
    }

    private static string First(string? option, string variable, string fallback) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value
        : fallback;
}

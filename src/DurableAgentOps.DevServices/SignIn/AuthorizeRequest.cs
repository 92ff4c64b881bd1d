using DurableAgentOps.DevServices.People;
using Microsoft.Extensions.Primitives;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>The parameters of an authorization request (RFC 6749 4.1.1, OpenID Connect, RFC 7636), from a query or a form.</summary>
internal sealed record AuthorizeRequest(
    string? ResponseType, string? ClientId, string? RedirectUri, string? Scope, string? State, string? Nonce,
    string? CodeChallenge, string? CodeChallengeMethod, string? ResponseMode, string? LoginHint, string? Repeated)
{
    private static readonly string[] Names =
        ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "response_mode", "login_hint"];

    public static AuthorizeRequest From(Func<string, StringValues> get)
    {
        string? One(string name) => get(name) is { Count: > 0 } values ? values[0] : null;
        return new AuthorizeRequest(
            One("response_type"), One("client_id"), One("redirect_uri"), One("scope"), One("state"), One("nonce"),
            One("code_challenge"), One("code_challenge_method"), One("response_mode"), One("login_hint"),
            Names.FirstOrDefault(n => get(n).Count > 1));
    }

    /// <summary>The parameters the picker posts back, as hidden fields.</summary>
    public IEnumerable<(string Name, string Value)> Fields =>
        Names.Zip([ResponseType, ClientId, RedirectUri, Scope, State, Nonce, CodeChallenge, CodeChallengeMethod, ResponseMode, LoginHint])
            .Where(p => p.Second is not null)
            .Select(p => (p.First, p.Second!));

    /// <summary>
    /// Checks in RFC 6749's order: client and redirect URI first, whose failure is shown to the person and never
    /// redirected (4.1.2.1), then everything else, whose failure goes back to the client with the state.
    /// </summary>
    public AuthorizeCheck Check(DevDirectory directory)
    {
        var client = directory.FindClient(ClientId);
        if (client is null)
        {
            return AuthorizeCheck.ShowError(ClientId is null ? "client_id is required" : $"client_id '{ClientId}' is not a client of the dev directory");
        }

        if (!client.Allows(RedirectUri))
        {
            return AuthorizeCheck.ShowError(RedirectUri is null
                ? "redirect_uri is required"
                : $"redirect_uri '{RedirectUri}' is not allowed for client '{client.ClientId}': use a registered one or a loopback one (http://127.0.0.1:<port>/... or http://localhost:<port>/...)");
        }

        var (scope, scopeProblem) = RequestedScope.Parse(Scope, requireOpenId: true);
        var problem = this switch
        {
            { Repeated: { } name } => ("invalid_request", $"{name} is given more than once"),
            { ResponseType: null } => ("invalid_request", "response_type is required"),
            { ResponseType: not "code" } => ("unsupported_response_type", $"response_type must be code, not '{ResponseType}'"),
            { ResponseMode: not (null or "query") } => ("invalid_request", $"response_mode '{ResponseMode}' is not supported: the answer is a redirect with a query (response_mode=query)"),
            { CodeChallenge: null or "" } => ("invalid_request", "code_challenge is required (PKCE, RFC 7636)"),
            { CodeChallengeMethod: not "S256" } => ("invalid_request", $"code_challenge_method must be S256, not '{CodeChallengeMethod ?? "(none: plain)"}'"),
            _ when !Pkce.IsChallenge(CodeChallenge) => ("invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the code verifier"),
            _ when scopeProblem is not null => ("invalid_scope", scopeProblem),
            _ => ((string, string)?)null,
        };
        return problem is (string error, string description)
            ? AuthorizeCheck.Refuse(client, error, description)
            : new AuthorizeCheck(client, scope, null, null);
    }
}

/// <summary>
/// The outcome of <see cref="AuthorizeRequest.Check"/>: no client (show <see cref="Description"/> as a 400 page),
/// a client and an <see cref="Error"/> (redirect it), or a client and its scope (go on).
/// </summary>
internal sealed record AuthorizeCheck(DevClient? Client, RequestedScope? Scope, string? Error, string? Description)
{
    public static AuthorizeCheck ShowError(string description) => new(null, null, null, description);

    public static AuthorizeCheck Refuse(DevClient client, string error, string description) => new(client, null, error, description);
}

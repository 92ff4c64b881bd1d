namespace DurableAgentOps.DevServices.SignIn;

/// <summary>One delegated token issued (never its value): listed by <c>GET /_dev/token-requests</c>.</summary>
internal sealed record DelegatedGrant(
    string GrantType, string Person, string PersonId, string ClientId, string Resource, IReadOnlyList<string> Scopes, DateTimeOffset IssuedAt)
{
    public string Kind => "delegated";
}

namespace DurableAgentOps.DevServices.People;

/// <summary>
/// An app registration that acts for people (directory.yaml, <c>delegatingApps</c>): a confidential client that
/// authenticates with a managed identity's token (a federated credential, no secret), accepts people's tokens for
/// its <see cref="IdentifierUri"/> and exchanges them on behalf of the person for the delegated
/// <see cref="Permissions"/> an administrator consented to, per resource.
/// </summary>
internal sealed record DevDelegatingApp(
    string Name, string ClientId, string IdentifierUri, string FederatedIdentity, IReadOnlyDictionary<string, IReadOnlyList<string>> Permissions)
{
    /// <summary>A person's token is for this app when its audience is the app's identifier URI or client id.</summary>
    public bool Accepts(string audience) =>
        string.Equals(audience, IdentifierUri, StringComparison.Ordinal) || string.Equals(audience, ClientId, StringComparison.OrdinalIgnoreCase);
}

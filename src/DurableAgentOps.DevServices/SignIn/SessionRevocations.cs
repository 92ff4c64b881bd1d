using System.Collections.Concurrent;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// When each person's sign-in sessions were last revoked (Graph revokeSignInSessions): every refresh token and every
/// assertion of that person issued before then is unusable. Kept in memory, like the rest of the provider's state.
/// </summary>
internal sealed class SessionRevocations
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> revoked = new(StringComparer.OrdinalIgnoreCase);

    public void Revoke(string personId, DateTimeOffset at) => revoked.AddOrUpdate(personId, at, (_, before) => at > before ? at : before);

    /// <summary>The revocation that makes something issued at <paramref name="issuedAt"/> unusable, if any.</summary>
    public DateTimeOffset? RevokedAfter(string personId, DateTimeOffset issuedAt) =>
        revoked.TryGetValue(personId, out var at) && issuedAt <= at ? at : null;
}

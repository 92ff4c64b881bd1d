using System.Collections.Concurrent;

namespace DurableAgentOps.DevServices.Delegation;

/// <summary>One delegated token issued (never its value): listed by <c>GET /_dev/token-requests</c>.</summary>
internal sealed record DelegatedGrant(
    string GrantType, string Person, string PersonId, string ClientId, string Resource, IReadOnlyList<string> Scopes, DateTimeOffset IssuedAt)
{
    public string Kind => "delegated";
}

/// <summary>Every delegated grant issued since start (or the last DELETE /_dev/token-requests), oldest first.</summary>
internal sealed class DelegatedGrantLog
{
    private readonly ConcurrentQueue<DelegatedGrant> grants = new();

    public void Add(DelegatedGrant grant) => grants.Enqueue(grant);

    public IReadOnlyList<DelegatedGrant> Snapshot() => [.. grants];

    public void Clear() => grants.Clear();
}

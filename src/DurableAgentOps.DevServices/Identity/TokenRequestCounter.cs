using System.Collections.Concurrent;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>
/// How many token requests each (client id, resource) made, so tests can prove callers cache tokens; and the delegated
/// grants the sign-in provider issued.
/// </summary>
internal sealed class TokenRequestCounter
{
    private readonly ConcurrentDictionary<(string ClientId, string Resource), Counts> counts = new();
    private readonly ConcurrentQueue<object> grants = new();

    public void Requested(string clientId, string resource) => Get(clientId, resource).Request();

    public void Issued(string clientId, string resource) => Get(clientId, resource).Issue();

    public IReadOnlyList<TokenRequestCount> Snapshot() =>
        [.. counts.OrderBy(c => c.Key.ClientId, StringComparer.Ordinal).ThenBy(c => c.Key.Resource, StringComparer.Ordinal)
            .Select(c => new TokenRequestCount(c.Key.ClientId, c.Key.Resource, c.Value.Requests, c.Value.Tokens))];

    /// <summary>Records a grant of another token endpoint (the sign-in provider's delegated grants): a row without token values.</summary>
    public void Granted(object row) => grants.Enqueue(row);

    /// <summary>The recorded grants, oldest first.</summary>
    public IReadOnlyList<object> Grants() => [.. grants];

    public void Clear()
    {
        counts.Clear();
        grants.Clear();
    }

    private Counts Get(string clientId, string resource) => counts.GetOrAdd((clientId, resource), _ => new Counts());

    private sealed class Counts
    {
        private int requests;
        private int tokens;

        public int Requests => Volatile.Read(ref requests);

        public int Tokens => Volatile.Read(ref tokens);

        public void Request() => Interlocked.Increment(ref requests);

        public void Issue() => Interlocked.Increment(ref tokens);
    }
}

/// <summary>One row of <c>GET /_dev/token-requests</c>: requests that passed the header check, and tokens issued.</summary>
internal sealed record TokenRequestCount(string ClientId, string Resource, int Count, int Issued);

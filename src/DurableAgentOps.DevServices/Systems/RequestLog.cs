using System.Text.Json.Serialization;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>
/// One request to a sample system: who called (token subject and identity), what, and the answer. For a delegated
/// call the subject is the person's object id and <see cref="ActorClientId"/> the acting app (absent otherwise).
/// </summary>
internal sealed record RequestLogEntry(
    DateTimeOffset Time, string System, string Method, string Path, string Operation,
    string? Subject, string? IdentityName, int Status, string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ActorClientId = null);

/// <summary>Every sample-system request, in memory, newest last; bounded so a long demo cannot grow it forever.</summary>
internal sealed class RequestLog
{
    public const int Capacity = 10_000;

    private readonly LinkedList<RequestLogEntry> entries = new();

    public void Add(RequestLogEntry entry)
    {
        lock (entries)
        {
            entries.AddLast(entry);
            if (entries.Count > Capacity)
            {
                entries.RemoveFirst();
            }
        }
    }

    public IReadOnlyList<RequestLogEntry> Snapshot(string? system)
    {
        lock (entries)
        {
            return [.. entries.Where(e => system is null || e.System == system)];
        }
    }

    public void Clear()
    {
        lock (entries)
        {
            entries.Clear();
        }
    }
}

using DurableTask.Core.History;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// Reads the history JSON the Azure Storage provider returns (plain Newtonsoft, no type names) back into typed
/// <see cref="HistoryEvent"/>s, choosing each event's class from its <c>EventType</c>.
/// </summary>
internal static class HistoryJson
{
    private static readonly Dictionary<EventType, Type> TypesByEvent = HistoryEvent.KnownTypes()
        .Where(t => !t.IsAbstract && Enum.TryParse<EventType>(t.Name.Replace("Event", string.Empty, StringComparison.Ordinal), out _))
        .ToDictionary(t => Enum.Parse<EventType>(t.Name.Replace("Event", string.Empty, StringComparison.Ordinal)));

    private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings
    {
        ConstructorHandling = ConstructorHandling.AllowNonPublicDefaultConstructor,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
    });

    public static IList<HistoryEvent> Parse(string json)
    {
        var events = new List<HistoryEvent>();
        foreach (var item in JArray.Parse(json).OfType<JObject>())
        {
            var eventType = item["EventType"]?.ToObject<EventType>(Serializer)
                ?? throw new InvalidDataException("A history event has no EventType.");
            if (TypesByEvent.TryGetValue(eventType, out var type) && item.ToObject(type, Serializer) is HistoryEvent historyEvent)
            {
                events.Add(historyEvent);
            }
        }

        return events;
    }
}

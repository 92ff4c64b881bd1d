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
    // Each concrete history class is named after its event type: EventRaised -> EventRaisedEvent.
    private static readonly Dictionary<EventType, Type> TypesByEvent = HistoryEvent.KnownTypes()
        .Where(t => !t.IsAbstract && t.Name.EndsWith("Event", StringComparison.Ordinal))
        .Select(t => (Type: t, Name: t.Name[..^"Event".Length]))
        .Where(t => Enum.TryParse<EventType>(t.Name, out _))
        .ToDictionary(t => Enum.Parse<EventType>(t.Name), t => t.Type);

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
            var type = TypesByEvent.GetValueOrDefault(eventType)
                ?? throw new InvalidDataException($"History event type {eventType} has no known class.");
            events.Add((HistoryEvent)item.ToObject(type, Serializer)!);
        }

        return events;
    }
}

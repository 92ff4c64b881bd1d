using System.Text.Json.Serialization;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// One thing a run received, in the order it received it: an activity's result, an external event, a timer firing.
/// <see cref="At"/> is the orchestration's time when it received it (what <c>CurrentUtcDateTime</c> said then).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(RecordedActivity), "activity")]
[JsonDerivedType(typeof(RecordedEvent), "event")]
[JsonDerivedType(typeof(RecordedTimer), "timer")]
public abstract record RecordedItem(DateTime At);

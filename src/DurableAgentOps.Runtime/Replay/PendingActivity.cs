namespace DurableAgentOps.Runtime.Replay;

/// <summary>An activity today's code called that matched the recording, waiting for its recorded result.</summary>
internal sealed record PendingActivity(RecordedActivity Recorded, TaskCompletionSource<RecordedActivity> Completion);

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// The first place today's code departs from the recording: <see cref="Index"/> is the recorded item (into
/// <see cref="RecordedRun.Items"/>; their count when past the end), with what the recording has there and what today's
/// code does, and for a differing input or result the JSON paths that differ (at most the replay's cap, then a count).
/// </summary>
public sealed record ReplayDivergence(
    int Index,
    DivergenceKind Kind,
    string Summary,
    ReplayCall? Expected,
    ReplayCall? Got,
    IReadOnlyList<JsonDifference> Differences,
    int MoreDifferences = 0)
{
    /// <summary>The kind as words: "input differs".</summary>
    public string KindText => Kind switch
    {
        DivergenceKind.ActivityNameDiffers => "activity name differs",
        DivergenceKind.InputDiffers => "input differs",
        DivergenceKind.ExtraActivityToday => "extra activity today",
        DivergenceKind.ActivityMissingToday => "activity missing today",
        DivergenceKind.WaitDiffers => "wait differs",
        DivergenceKind.OutcomeDiffers => "outcome differs",
        DivergenceKind.RecordingEnds => "recording ends",
        _ => "unsupported",
    };
}

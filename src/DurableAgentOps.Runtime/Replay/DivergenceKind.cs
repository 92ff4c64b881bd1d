using System.Text.Json.Serialization;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>How today's code departs from a recorded run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DivergenceKind>))]
public enum DivergenceKind
{
    /// <summary>Today's code calls another activity where the recording has one.</summary>
    ActivityNameDiffers,

    /// <summary>The same activity, with another input (by digest; the differing JSON paths are listed).</summary>
    InputDiffers,

    /// <summary>Today's code calls an activity after everything the (finished) run called.</summary>
    ExtraActivityToday,

    /// <summary>The recording calls an activity where today's code waits, or after today's code has finished.</summary>
    ActivityMissingToday,

    /// <summary>A timer or wait differs: the recorded wait ended by a timer today's code did not set, or set for another time.</summary>
    WaitDiffers,

    /// <summary>Everything matched, but the run ends otherwise today (status, result or failure).</summary>
    OutcomeDiffers,

    /// <summary>The recording stops (truncated, or the run is still running) where today's code goes on.</summary>
    RecordingEnds,

    /// <summary>Today's code uses something replay cannot stub (sub-orchestrations, events sent, continue-as-new).</summary>
    Unsupported,
}

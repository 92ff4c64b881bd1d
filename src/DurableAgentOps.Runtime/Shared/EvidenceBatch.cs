using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// What the orchestration hands the ledger: records from <see cref="FirstSeq"/> on (numbered by the orchestration, so a
/// retried append is idempotent), whether the run has ended, and whether its head goes into the log-wide tree. It goes
/// as an append activity's input, or rides on the next activity's (<see cref="ICarriesEvidence"/>), which appends it
/// before doing its own work.
/// </summary>
public sealed record EvidenceBatch(string RunId, long FirstSeq, IReadOnlyList<EvidenceEntry> Entries, bool Final, bool ToLog, DateTimeOffset At, RunSummary Summary);

/// <summary>
/// An activity input that can carry the run's pending evidence (<see cref="Evidence"/>; left out of the JSON when there
/// is none, so inputs of runs that carry nothing serialize as they always did). The activity appends it first: its own
/// work never runs ahead of the evidence of what led to it. Replay compares such inputs without it.
/// </summary>
public interface ICarriesEvidence
{
    /// <summary>The JSON property the batch travels in (replay leaves it out when it compares inputs).</summary>
    public const string Property = "evidence";

    EvidenceBatch? Evidence { get; }
}

/// <summary>
/// Versions of the orchestration's logic recorded in each run's input (<see cref="RunRequest.LogicVersion"/>), so a run
/// in flight, or a recording, replays the way it ran: new behaviour that changes what is scheduled is taken only by runs
/// started with its version or later.
/// </summary>
internal static class RunLogic
{
    /// <summary>Runs started before versions were recorded: one append activity per evidence checkpoint.</summary>
    public const int Original = 0;

    /// <summary>Evidence rides on the next activity; separate appends only before a gate's wait and at the run's end.</summary>
    public const int CarriedEvidence = 1;

    /// <summary>
    /// The notice activity is also called at gates without channels (opening, escalation and outcome, no reminders), for
    /// the waiting-gates index approvers' lists read; nothing is recorded as a notice for them.
    /// </summary>
    public const int GateIndex = 2;

    /// <summary>
    /// A write step's declared retry runs attempt by attempt in the orchestrator, keeping what each attempt confirmed; a
    /// write left half applied waits in phase <c>write-incomplete</c> for an administrator's resume.
    /// </summary>
    public const int ResumableWrites = 3;

    /// <summary>
    /// A run takes a place among the runs advancing to their first gate (<see cref="RunRequest.Admission"/>), waiting
    /// in phase <c>queued</c> for one, and gives it back as it parks at its gate or ends.
    /// </summary>
    public const int Admission = 4;

    /// <summary>
    /// A queued run admitted where more places are free wakes the runs behind it (releases at the same moment each wake
    /// the same first run); a run that goes on without a place takes its queue row out as it parks or ends.
    /// </summary>
    public const int AdmissionChain = 5;

    /// <summary>
    /// The first activity gets the digest of the run's input (<see cref="DefinitionRef.RunDigest"/>) and refuses a start
    /// the run service did not issue. The activity refuses a run of any older logic that has not loaded yet, so a
    /// hand-made input cannot claim an older version to skip the check.
    /// </summary>
    public const int IssuedStart = 6;

    /// <summary>The write steps of separate-writer workflows are handed to the writer (<see cref="StepInvocation.Writer"/>).</summary>
    public const int WriterIntents = 7;

    /// <summary>What runs started now get.</summary>
    public const int Current = WriterIntents;
}

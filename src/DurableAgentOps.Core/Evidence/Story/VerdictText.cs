using System.Globalization;
using static DurableAgentOps.Core.Evidence.EvidenceProblemKind;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// The verdict in plain words: what was checked and held ("all 13 records are chained, …"), or what failed and what that
/// means for the reader of the story. Only what the run's verification checked is claimed.
/// </summary>
public static class VerdictText
{
    /// <summary>One or two sentences: the headline of the verdict.</summary>
    public static string Summary(RunStory story, RunVerification? verification)
    {
        ArgumentNullException.ThrowIfNull(story);
        var count = story.Events.Count;
        var records = count == 1 ? "the run's one record" : string.Create(CultureInfo.InvariantCulture, $"all {count} of the run's records");
        return verification switch
        {
            null => "Not verified: no verification was available, so nothing in this report is shown to be what the host recorded.",
            { Purged: { } purged } => $"The run's records were deleted after their retention ({purged.Retention}); leaf {purged.LeafIndex} of the signed evidence log records that. Nothing else of the run can be checked.",
            { IsIntact: false } v => string.Create(CultureInfo.InvariantCulture,
                $"Does not verify: {v.Breaks.Count} problem{(v.Breaks.Count == 1 ? string.Empty : "s")} found, listed below. Do not rely on this report until {(v.Breaks.Count == 1 ? "it is" : "they are")} explained."),
            _ when story.Run.EvidenceOff => "Verified as far as it goes: evidence was off for this run, so the ledger holds its start only; that record is chained, covered by the run's signed head and in the signed evidence log. Nothing after the start was recorded.",
            _ when story.Run.Ended is null => $"Verified so far: {records} are intact and chained (each holds the hash of the one before), and the run's signed head covers them. The run has not ended: the signed evidence log holds its head from the start and takes its last head when it ends.",
            _ => $"Verified: {records} are intact and chained (each holds the hash of the one before), the run's signed head covers all of them, and that head is in the signed evidence log.",
        };
    }

    /// <summary>Each problem the verification found, with what it means for the story; empty when none was found.</summary>
    public static IReadOnlyList<string> Problems(RunVerification? verification) =>
        verification is null ? [] : [.. verification.Breaks.Select(b => Meaning(b.Kind) is { } meaning ? $"{b.Message}: {meaning}" : b.Message)];

    private static string? Meaning(EvidenceProblemKind kind) => kind switch
    {
        Malformed => "a stored row is not a record at all; what it held is not in this report",
        Changed => "a record was altered after it was written, so what it says may not be what happened",
        Removed => "records were deleted, so whatever they told (a step, a decision, a write) is missing from this report",
        Inserted => "a record was added that the run did not write, so what it says may be invented",
        Reordered => "records were moved, so the order of events shown may be wrong",
        AppendedAfterHead => "records were added after the run's last signed head; nobody signed them, so they may be invented",
        Truncated => "records at the end were deleted, so how the run ended may be missing",
        HeadMissing => "nothing signed vouches for these records, so any of them could have been rewritten",
        HeadMismatch => "the signed head does not match the records: they were changed, added or removed after signing",
        HeadSignature => "the head's signature does not verify, so the head, and the records it covers, may be forged",
        RunMissing => "the signed log names this run but its records are gone",
        LeafMismatch or NotLogged => "the signed log does not hold this run's current head, so its records may have been rewritten and signed again after they were logged",
        LogMalformed or TreeHeadMismatch or TreeHeadSignature or NotExtension or RolledBack or KeptHeadSignature =>
            "the signed evidence log itself does not check out, so no run can be shown to be the one that was logged",
        KeyMismatch => "the evidence was signed with a key that is not the trusted one",
        IndexMismatch => "the run's search entry disagrees with its signed copy, so searches may mislead; the records themselves may be sound",
        _ => null,
    };
}

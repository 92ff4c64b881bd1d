using DurableAgentOps.Core.Evidence;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// What the orchestration hands the ledger: records from <see cref="FirstSeq"/> on (numbered by the orchestration, so a
/// retried append is idempotent), whether the run has ended, and whether its head goes into the log-wide tree.
/// </summary>
public sealed record EvidenceBatch(string RunId, long FirstSeq, IReadOnlyList<EvidenceEntry> Entries, bool Final, bool ToLog, DateTimeOffset At, RunSummary Summary);

/// <summary>Appends a batch of evidence, signs the run's new head and, at the start and the end of a run, logs it.</summary>
public sealed class AppendEvidenceActivity(EvidenceLedger ledger) : TaskActivity<EvidenceBatch, long>
{
    public const string Name = nameof(AppendEvidenceActivity);

    public override async Task<long> RunAsync(TaskActivityContext context, EvidenceBatch input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var head = await ledger.AppendAsync(input.RunId, input.FirstSeq, input.Entries, input.Final, input.ToLog, input.At, input.Summary, CancellationToken.None);
        return head.LastSeq;
    }
}

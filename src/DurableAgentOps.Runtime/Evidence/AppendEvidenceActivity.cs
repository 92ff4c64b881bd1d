using DurableAgentOps.Runtime.Shared;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Appends a batch of evidence, signs the run's new head and, at the start and the end of a run, logs it: where no work
/// follows to carry the batch (a run about to wait at its gate, a run's end), and for runs started before batches rode
/// on the next activity (<see cref="RunLogic.CarriedEvidence"/>).
/// </summary>
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

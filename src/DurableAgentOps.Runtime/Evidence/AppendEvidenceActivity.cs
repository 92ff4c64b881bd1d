using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Appends a batch of evidence, signs the run's new head and, at the start and the end of a run, logs it: where no work
/// follows to carry the batch (a run about to wait at its gate, a run's end), and for runs started before batches rode
/// on the next activity (<see cref="RunLogic.CarriedEvidence"/>).
/// </summary>
public sealed class AppendEvidenceActivity(EvidenceLedger ledger, AdministrativeRecords administrative, RunDelegation delegation, ILogger<AppendEvidenceActivity> logger)
    : TaskActivity<EvidenceBatch, long>
{
    public const string Name = nameof(AppendEvidenceActivity);

    public override async Task<long> RunAsync(TaskActivityContext context, EvidenceBatch input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var head = await ledger.AppendAsync(input.RunId, input.FirstSeq, input.Entries, input.Final, input.ToLog, input.At, input.Summary, CancellationToken.None);
        if (input.Final)
        {
            await RecordActionsAsync(input.RunId);
            // The run has ended (its run-end is in this batch: a run without evidence closes its chain at start): the
            // sessions that acted for its starter go with it (on a host that acts for nobody, EndAsync does nothing).
            if (input.Entries.Any(e => e.Kind == "run-end"))
            {
                await delegation.EndAsync(input.RunId, CancellationToken.None);
            }
        }

        return head.LastSeq; // the run's own append: what the orchestration's history keeps, whatever followed it
    }

    /// <summary>
    /// The run just closed its chain: administrators' actions taken while it ran (a suspend, a resume) go in after its
    /// run-end. Their failure does not fail the run, whose own evidence is whole: they wait in their table for the next
    /// reader of the run.
    /// </summary>
    private async Task RecordActionsAsync(string runId)
    {
        try
        {
            await administrative.ReconcileEndedAsync(runId, terminated: false, null, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException)
        {
            logger.AdministrativeRecordsDeferred(runId, ex.GetType().Name);
        }
    }
}

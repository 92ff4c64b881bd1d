using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Appends the evidence an activity's input carries (<see cref="ICarriesEvidence"/>) before the activity does its own
/// work, so a run's records reach the ledger without an activity of their own. Idempotent like any append: a retried
/// activity finds its records already there. If the append fails, the activity fails before it acts (fail closed).
/// </summary>
public sealed class CarriedEvidence(EvidenceLedger ledger)
{
    public async Task AppendAsync(ICarriesEvidence input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Evidence is { } batch)
        {
            await ledger.AppendAsync(batch.RunId, batch.FirstSeq, batch.Entries, batch.Final, batch.ToLog, batch.At, batch.Summary, CancellationToken.None);
        }
    }
}

using Azure.Data.Tables;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>The ledger's second writer: the host, appending administrators' records after the orchestration stopped writing.</summary>
public sealed partial class EvidenceLedger
{
    private const int AdministrativeAttempts = 5;

    /// <summary>How long an append waits for another writer to sign the records it stored, and how often it looks.</summary>
    private static readonly TimeSpan QuietWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan QuietPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Appends what <paramref name="entriesFor"/> makes of the run's stored records after its stored tip, under a final,
    /// logged head. For the host's own records only, once the orchestration no longer writes the chain (it ended, or the
    /// engine stopped it): the tip is read from storage, not numbered by the run, and a record another writer put at that
    /// seq meanwhile is never replaced — the append starts again from the new tip. Returns null when the run has no
    /// evidence to append to, else its head (unchanged when there is nothing to add).
    /// </summary>
    public async Task<RunHead?> AppendAfterAsync(
        string runId, Func<IReadOnlyList<EvidenceRecord>, IReadOnlyList<EvidenceEntry>> entriesFor, Func<RunSummary, RunSummary> summaryFor,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entriesFor);
        ArgumentNullException.ThrowIfNull(summaryFor);
        var quietBy = time.GetUtcNow() + QuietWait;
        for (var attempt = 0; attempt < AdministrativeAttempts; attempt++)
        {
            var run = await ReadRunAsync(runId, cancellationToken);
            var stored = run?.Records.Where(r => r.Record is not null).OrderBy(r => r.Record!.Seq).ToList() ?? [];
            if (run?.Summary is not { } summary || stored.Count == 0)
            {
                return null;
            }

            var entries = entriesFor([.. stored.Select(r => r.Record!)]);
            if (entries.Count == 0)
            {
                return run.Head;
            }

            // A writer between its records and its head (an activity of a run the engine just stopped): let it finish,
            // or its older head, written after ours, would leave our records outside the signed head.
            if (run.Head is { } current && stored[^1].Record!.Seq > current.LastSeq && time.GetUtcNow() < quietBy)
            {
                await Task.Delay(QuietPoll, time, cancellationToken);
                attempt--;
                continue;
            }

            // The host signs a head over the stored chain only if that chain verifies as stored: records changed,
            // inserted or appended after the head in storage are not taken into a head it signs (fail closed).
            var report = EvidenceVerifier.VerifyRun(run.Records, run.Head, run.HeadSignature, await keys.PublicKeyAsync(cancellationToken), runId);
            if (!report.IsIntact)
            {
                throw new InvalidOperationException($"evidence of run {runId} does not verify ({report.Problems[0].Message}); administrative records are not appended to it");
            }

            var externalized = new List<EvidenceEntry>();
            foreach (var entry in entries)
            {
                externalized.Add(entry with { Data = await ExternalizeAsync(runId, entry.Data, cancellationToken) });
            }

            var last = stored[^1];
            var chain = EvidenceChain.Append(runId, new ChainTip(last.Record!.Seq, last.StoredHash), externalized);
            var entities = chain.Select(record => new TableEntity(runId, Row(record.Seq))
            {
                ["Kind"] = record.Kind, ["Json"] = record.ToCanonicalJson(), ["Hash"] = record.Hash, ["Episode"] = at.UtcTicks,
            }).ToList();
            if (!await AddAllAsync(await records.Value, entities, cancellationToken))
            {
                continue; // another writer took the next seq: read the tip again
            }

            var head = RunHead.For(chain[^1], final: true, at);
            await WriteHeadAsync(runId, head, summaryFor(summary), cancellationToken);
            await AppendLeafAsync(runId, head, cancellationToken);
            return head;
        }

        throw new InvalidOperationException($"evidence of run {runId} kept growing while administrative records were appended; try again");
    }
}

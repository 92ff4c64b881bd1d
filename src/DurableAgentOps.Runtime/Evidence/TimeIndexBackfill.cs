using DurableAgentOps.Runtime.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// At each host start, in the background: files runs whose heads were written before the runs' time index existed
/// (<see cref="EvidenceLedger.BackfillTimeIndexAsync"/>), once per ledger, so the runs search and <c>verify --all</c>
/// see every run. A failure is logged and tried again at the next start; nothing waits for it.
/// </summary>
internal sealed class TimeIndexBackfill(EvidenceLedger ledger, ILogger<TimeIndexBackfill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var added = await ledger.BackfillTimeIndexAsync(stoppingToken);
            if (added > 0)
            {
                logger.TimeIndexBackfilled(added);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.TimeIndexBackfillFailed(ex is Azure.RequestFailedException failed ? $"{failed.GetType().Name} status {failed.Status}" : ex.GetType().Name);
        }
    }
}

using System.Net;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Cli.Evidence;

/// <summary>
/// A run's evidence fetched from the host and verified here, with Core's <see cref="LoggedRunCheck"/> against the signed
/// log the host serves: the CLI never takes the host's own verdict. The timeline, report and verify commands share it.
/// </summary>
internal static class EvidenceFetch
{
    /// <summary>
    /// GET /api/evidence/log and GET /api/runs/{runId}/evidence, then <see cref="LoggedRunCheck.Verify"/> with
    /// <paramref name="trustedKey"/> (else the key the host names). Answers:
    /// <list type="bullet">
    /// <item>evidence and verification: the run's records and what they verify to (leaves that do not parse are breaks);</item>
    /// <item>no evidence but a verification: the log names the run, the ledger lost it (a break) or purged it (a tombstone);</item>
    /// <item>all null: neither the ledger nor the log knows the run;</item>
    /// <item><c>Refused</c>: the host's answer when it refused either request (401, 403, …): nothing else is set.</item>
    /// </list>
    /// Throws <see cref="HostUnreachableException"/> when the host does not answer.
    /// </summary>
    public static async Task<(RunEvidence? Evidence, RunVerification? Verification, HostResponse? Refused)> FetchVerifiedAsync(
        HostClient client, string runId, EvidencePublicKey? trustedKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var (log, logResponse) = await EvidenceDownload.LogAsync(client, cancellationToken);
        if (log is null)
        {
            return (null, null, logResponse.IsSuccess ? logResponse with { Status = HttpStatusCode.BadGateway } : logResponse);
        }

        return await VerifyAsync(client, runId, log, trustedKey ?? log.HostKey, cancellationToken);
    }

    /// <summary>The same with a log already downloaded (verify --all and verify read it once) and the key to check with.</summary>
    public static async Task<(RunEvidence? Evidence, RunVerification? Verification, HostResponse? Refused)> VerifyAsync(
        HostClient client, string runId, DownloadedLog log, EvidencePublicKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(log);
        var (evidence, response) = await EvidenceDownload.RunAsync(client, runId, cancellationToken);
        if (evidence is null && response.Status != HttpStatusCode.NotFound)
        {
            return (null, null, response);
        }

        if (evidence is null && log.Leaves.All(l => l.RunId != runId))
        {
            return (null, null, null);
        }

        var verification = LoggedRunCheck.Verify(runId, evidence, log.Leaves, log.Head, log.HeadSignature, key);
        if (log.Malformed.Count > 0)
        {
            verification = verification with
            {
                Breaks = [.. verification.Breaks, .. log.Malformed.Select(m => new EvidenceProblem(EvidenceProblemKind.Malformed, m))],
            };
        }

        return (evidence, verification, null);
    }
}

using DurableAgentOps.Cli.Evidence;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;

namespace DurableAgentOps.Cli.Commands;

/// <summary>What `timeline` and `report` share: sign in, fetch a run's evidence, verify it here, build its story.</summary>
internal static class EvidenceStoryCommand
{
    /// <summary>The story and its verification; null with the exit code after printing why (the error names the run or the host).</summary>
    public static async Task<(RunStory? Story, RunVerification? Verification, int ExitCode)> LoadAsync(
        CliContext context, string command, string runId, string? hostOption, CancellationToken cancellationToken)
    {
        if (!IsRunId(runId))
        {
            context.Error.WriteLine($"agentops {command}: <run> must be 1-200 letters, digits, '-', '_', '.' or ':'; got '{Terminal(runId)}'");
            return (null, null, ExitCodes.Usage);
        }

        var (client, code) = await HostOptions.ConnectAsync(context, command, hostOption, cancellationToken);
        if (client is null)
        {
            return (null, null, code);
        }

        using (client)
        {
            RunEvidence? evidence;
            RunVerification? verification;
            HostResponse? refused;
            try
            {
                (evidence, verification, refused) = await EvidenceFetch.FetchVerifiedAsync(client, runId, null, cancellationToken);
            }
            catch (HostUnreachableException ex)
            {
                return (null, null, HostOptions.Unreachable(context, ex));
            }

            if (refused is not null)
            {
                return (null, null, HostOptions.Refused(context, command, refused));
            }

            if (evidence is null || evidence.Records.Count == 0)
            {
                context.Error.WriteLine(verification is null
                    ? $"agentops {command}: no evidence of run {runId}: the ledger holds none and the log names no such run"
                    : $"agentops {command}: run {runId} has no evidence records to show: {verification.Verdict}");
                return (null, verification, ExitCodes.Failed);
            }

            return (RunStory.From(runId, evidence.Records), verification, ExitCodes.Ok);
        }
    }

    /// <summary>0 when the evidence verified; 1 (after the story was shown) when it did not.</summary>
    public static int Verdict(RunVerification? verification) => verification is { IsIntact: true } ? ExitCodes.Ok : ExitCodes.Failed;

    private static bool IsRunId(string id) =>
        id.Length is > 0 and <= 200 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    private static string Terminal(string text) => StoryText.Terminal(text.Length <= 80 ? text : text[..80] + "…");
}

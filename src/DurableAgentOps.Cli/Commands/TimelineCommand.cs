using System.CommandLine;
using DurableAgentOps.Core.Evidence.Story;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops timeline: a run's evidence as a timeline in the terminal — the run, a lane per identity, one line per
/// record with its offset from the start — and the verdict of verifying it here. Exit 1 when it does not verify.
/// </summary>
internal sealed class TimelineCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "The run whose timeline to show." };
        var host = HostOptions.Host();
        var command = new Command("timeline", "Show a run's timeline from its evidence: lanes per identity, each step, approvals, refusals, and whether the evidence verified.")
        {
            run, host,
        };
        command.SetAction((result, cancellationToken) => RunAsync(context, result.GetValue(run)!, result.GetValue(host), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string runId, string? hostOption, CancellationToken cancellationToken)
    {
        var (story, verification, code) = await EvidenceStoryCommand.LoadAsync(context, "timeline", runId, hostOption, cancellationToken);
        if (story is null)
        {
            return code;
        }

        context.Out.Write(TimelineText.Render(story, verification));
        return EvidenceStoryCommand.Verdict(verification);
    }
}

using System.CommandLine;
using System.Net;
using DurableAgentOps.Cli.HostApi;

namespace DurableAgentOps.Cli.Commands;

/// <summary>What `agentops approve` was asked to do.</summary>
internal sealed record ApproveArguments(string RunId, bool Reject, string? Comment, string? Host);

/// <summary>agentops approve &lt;runId&gt;: answer the approval gate a run waits at, as the signed-in person.</summary>
internal sealed class ApproveCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var runId = new Argument<string>("runId") { Description = "The run waiting for approval (as printed by 'agentops run')." };
        var reject = new Option<bool>("--reject") { Description = "Reject instead of approving." };
        var comment = new Option<string?>("--comment") { Description = "Why: recorded with the decision (at most 1000 characters)." };
        var host = HostOptions.Host();
        var command = new Command("approve",
            "Approve (or --reject) the gate a run waits at, as the person you signed in as (agentops login); the host checks that you are one of the gate's approvers and not the run's initiator.")
        {
            runId, reject, comment, host,
        };
        command.SetAction((result, cancellationToken) => RunAsync(context, new ApproveArguments(
            result.GetValue(runId)!,
            result.GetValue(reject),
            result.GetValue(comment),
            result.GetValue(host)), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, ApproveArguments args, CancellationToken cancellationToken)
    {
        var (client, code) = await HostOptions.ConnectAsync(context, "approve", args.Host, cancellationToken);
        if (client is null)
        {
            return code;
        }

        using (client)
        {
            var body = new Dictionary<string, object?> { ["approved"] = !args.Reject };
            if (args.Comment is not null)
            {
                body["comment"] = args.Comment;
            }

            HostResponse response;
            try
            {
                response = await client.PostAsync($"/api/runs/{Uri.EscapeDataString(args.RunId)}/approvals", body, cancellationToken);
            }
            catch (HostUnreachableException ex)
            {
                return HostOptions.Unreachable(context, ex);
            }

            if (response.Status != HttpStatusCode.Accepted)
            {
                return HostOptions.Refused(context, "approve", response);
            }

            var receipt = response.Read<DecisionRecordedDto>();
            var who = receipt?.Approver?.Name ?? "you";
            var again = receipt?.AlreadyRecorded == true ? " (already recorded)" : string.Empty;
            context.Out.WriteLine($"decision recorded{again}: {who} {(args.Reject ? "rejected" : "approved")} {args.RunId} at {receipt?.Gate ?? "its gate"}" +
                (receipt?.MatchedAs is { } matched ? $" as {matched}" : string.Empty));
            return ExitCodes.Ok;
        }
    }
}

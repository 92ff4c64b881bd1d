using System.CommandLine;
using System.Net;
using DurableAgentOps.Cli.HostApi;

namespace DurableAgentOps.Cli.Commands;

/// <summary>What `agentops approve` was asked to do.</summary>
internal sealed record ApproveArguments(string RunId, bool Reject, string Approver, string? Comment, string? Host);

/// <summary>agentops approve &lt;runId&gt;: answer the approval gate a run waits at.</summary>
internal sealed class ApproveCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var runId = new Argument<string>("runId") { Description = "The run waiting for approval (as printed by 'agentops run')." };
        var reject = new Option<bool>("--reject") { Description = "Reject instead of approving." };
        var approver = HostOptions.As("answers; the gate checks them against its approvers and the run's initiator");
        var comment = new Option<string?>("--comment") { Description = "Why: recorded with the decision." };
        var host = HostOptions.Host();
        var command = new Command("approve", "Approve (or --reject) the gate a run waits at; the decision is recorded with who gave it and the 'cli' channel.")
        {
            runId, reject, approver, comment, host,
        };
        command.SetAction((result, cancellationToken) => RunAsync(context, new ApproveArguments(
            result.GetValue(runId)!,
            result.GetValue(reject),
            result.GetValue(approver) ?? HostOptions.CurrentUser(),
            result.GetValue(comment),
            result.GetValue(host)), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, ApproveArguments args, CancellationToken cancellationToken)
    {
        using var client = HostOptions.Connect(context, "approve", args.Host);
        if (client is null)
        {
            return ExitCodes.Failed;
        }

        var body = new { approver = args.Approver, approved = !args.Reject, comment = args.Comment, channel = "cli" };
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
            context.Error.WriteLine($"agentops approve: {response.Explain()}");
            return ExitCodes.Failed;
        }

        var gate = response.Read<ApprovalRecordedDto>()?.Gate ?? "its gate";
        context.Out.WriteLine($"approval recorded: {args.Approver} {(args.Reject ? "rejected" : "approved")} {args.RunId} at {gate}");
        return ExitCodes.Ok;
    }
}

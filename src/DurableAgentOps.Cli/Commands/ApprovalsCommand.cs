using System.CommandLine;
using System.Globalization;
using System.Net;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Cli.Output;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops approvals: the gates the signed-in person can answer now.</summary>
internal sealed class ApprovalsCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var host = HostOptions.Host();
        var format = CommonOptions.Format("Output format: text (a table) or json (the host's answer).", "text", "json");
        var command = new Command("approvals", "List the gates waiting for you: run, workflow, gate, the change, the deadline (answer one with 'agentops approve <runId>').")
        {
            host, format,
        };
        command.SetAction((result, cancellationToken) => RunAsync(context, result.GetValue(host), result.GetValue(format)!, cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string? hostOption, string format, CancellationToken cancellationToken)
    {
        var (client, code) = await HostOptions.ConnectAsync(context, "approvals", hostOption, cancellationToken);
        if (client is null)
        {
            return code;
        }

        using (client)
        {
            HostResponse response;
            try
            {
                response = await client.GetAsync("/api/approvals", cancellationToken);
            }
            catch (HostUnreachableException ex)
            {
                return HostOptions.Unreachable(context, ex);
            }

            if (response.Status != HttpStatusCode.OK)
            {
                return HostOptions.Refused(context, "approvals", response);
            }

            if (format == "json")
            {
                context.Out.WriteLine(response.Body);
                return ExitCodes.Ok;
            }

            var answer = response.Read<PendingApprovalsDto>();
            var pending = answer?.Pending ?? [];
            if (pending.Count == 0)
            {
                context.Out.WriteLine($"nothing waits for {answer?.Approver?.Name ?? "you"}");
                return ExitCodes.Ok;
            }

            var table = new TextTable(["Run", "Workflow / gate / you", "Change", "Deadline (UTC)", "Answers"], [30, 34, 40, 17, 8]);
            foreach (var item in pending)
            {
                table.Add([item.RunId ?? "?"], [item.Workflow ?? "?", $"gate {item.Gate}", item.YouAre ?? "?"], [item.Change ?? "(unknown)"],
                    [item.Deadline?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "?"], [$"{item.ApprovalsSoFar} of {item.Quorum}"]);
            }

            context.Out.Write(table.Render());
            return ExitCodes.Ok;
        }
    }
}

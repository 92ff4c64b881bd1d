using System.CommandLine;
using System.Globalization;
using System.Net;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Cli.Output;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops approvals: the gates the signed-in person can answer now, a page at a time.</summary>
internal sealed class ApprovalsCommand : ICliCommand
{
    /// <summary>The host's largest page (RunService.MaxPageSize).</summary>
    private const int MaxPageSize = 200;

    /// <summary>Pages followed in one call while a page lists nothing (its rows were gates that had closed) but more follow.</summary>
    private const int MaxEmptyPagesFollowed = 10;

    public Command Create(CliContext context)
    {
        var host = HostOptions.Host();
        var format = CommonOptions.Format("Output format: text (a table) or json (the host's answer).", "text", "json");
        var pageSize = new Option<int>("--page-size") { Description = $"Gates per page (1-{MaxPageSize}).", DefaultValueFactory = _ => 50 };
        var next = new Option<string?>("--next") { Description = "The next page: the token the previous page printed.", HelpName = "token" };
        var command = new Command("approvals", "List the gates waiting for you, earliest deadline first: run, workflow, gate, the change, the deadline "
            + "(answer one with 'agentops approve <runId>').")
        {
            pageSize, next, host, format,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(context, result.GetValue(host), result.GetValue(format)!, result.GetValue(pageSize), result.GetValue(next), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string? hostOption, string format, int pageSize, string? next, CancellationToken cancellationToken)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            context.Error.WriteLine($"agentops approvals: --page-size must be from 1 to {MaxPageSize}, not {pageSize}");
            return ExitCodes.Usage;
        }

        if (next is { Length: 0 or > 200 } || (next is not null && !next.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            context.Error.WriteLine("agentops approvals: --next takes the token a previous page printed, as it was printed");
            return ExitCodes.Usage;
        }

        var (client, code) = await HostOptions.ConnectAsync(context, "approvals", hostOption, cancellationToken);
        if (client is null)
        {
            return code;
        }

        using (client)
        {
            PendingApprovalsDto? answer = null;
            for (var followed = 0; ; followed++)
            {
                var query = $"/api/approvals?pageSize={pageSize}" + (next is null ? string.Empty : $"&next={Uri.EscapeDataString(next)}");
                HostResponse response;
                try
                {
                    response = await client.GetAsync(query, cancellationToken);
                }
                catch (HostUnreachableException ex)
                {
                    return HostOptions.Unreachable(context, ex);
                }

                if (response.Status == HttpStatusCode.BadRequest)
                {
                    context.Error.WriteLine($"agentops approvals: {response.Explain()}");
                    return ExitCodes.Usage;
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

                answer = response.Read<PendingApprovalsDto>();
                next = answer?.Next;
                if (answer?.Pending is { Count: > 0 } || next is null || followed == MaxEmptyPagesFollowed)
                {
                    break;
                }
            }

            var pending = answer?.Pending ?? [];
            if (pending.Count == 0)
            {
                context.Out.WriteLine(next is null
                    ? $"nothing waits for {answer?.Approver?.Name ?? "you"}"
                    : $"nothing on these pages; more may follow: agentops approvals --next {next}");
                return ExitCodes.Ok;
            }

            var table = new TextTable(["Run", "Workflow / gate / you", "Change", "Deadline (UTC)", "Answers"], [30, 34, 40, 17, 8]);
            foreach (var item in pending)
            {
                table.Add([item.RunId ?? "?"], [item.Workflow ?? "?", $"gate {item.Gate}", item.YouAre ?? "?"], [item.Change ?? "(unknown)"],
                    [item.Deadline?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "?"], [$"{item.ApprovalsSoFar} of {item.Quorum}"]);
            }

            context.Out.Write(table.Render());
            if (next is not null)
            {
                context.Out.WriteLine($"{pending.Count} on this page; next page: agentops approvals --next {next}");
            }

            return ExitCodes.Ok;
        }
    }
}

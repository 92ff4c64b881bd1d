using System.CommandLine;
using System.Globalization;
using DurableAgentOps.Cli.Evidence;
using DurableAgentOps.Cli.Output;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops runs: finds runs in the evidence ledger (which outlives the Durable history) by who, what and when.</summary>
internal sealed class RunsCommand : ICliCommand
{
    private static readonly (string Option, string Query, string Description)[] Filters =
    [
        ("--workflow", "workflow", "Runs of this workflow."),
        ("--status", "status", "Runs that ended so (completed, failed, rejected, …) or are running."),
        ("--initiator", "initiator", "Started by this person (object id, name or address)."),
        ("--approver", "approver", "Approved by this person (object id, name or address)."),
        ("--identity", "identity", "In which this identity acted (e.g. crm-writer)."),
        ("--record", "record", "That touched this record (e.g. ACC-000002)."),
        ("--wrote", "wrote", "That wrote this record: identity:record (crm-writer:ACC-000002) or a record alone."),
        ("--governance-off", "governanceOff", "Started with this governance off on their host: scope-guard, evidence, or any."),
        ("--since", "since", "Started at or after this date or time (ISO 8601, UTC unless it says otherwise)."),
        ("--until", "until", "Started before this date or time."),
    ];

    public Command Create(CliContext context)
    {
        var options = Filters.Select(f => new Option<string?>(f.Option) { Description = f.Description, HelpName = "value" }).ToList();
        var top = new Option<int>("--top") { Description = "At most this many runs (1-500).", DefaultValueFactory = _ => 50 };
        var next = new Option<string?>("--next") { Description = "The next page: the token the previous page printed.", HelpName = "token" };
        var format = CommonOptions.Format("Output format: text (a table) or json (the host's answer).", "text", "json");
        var host = HostOptions.Host();
        var command = new Command("runs", "Find runs in the evidence ledger, newest first, a page at a time, e.g. every run in which crm-writer wrote to ACC-000002 last month: "
            + "agentops runs --wrote crm-writer:ACC-000002 --since 2026-11-01 --until 2026-12-01");
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.Options.Add(top);
        command.Options.Add(next);
        command.Options.Add(format);
        command.Options.Add(host);
        command.SetAction((result, cancellationToken) =>
        {
            var query = Filters.Zip(options).Select(f => (f.First.Query, Value: result.GetValue(f.Second))).Where(f => f.Value is not null)
                .Select(f => $"{f.Query}={Uri.EscapeDataString(f.Value!)}")
                .Append($"top={result.GetValue(top)}");
            if (result.GetValue(next) is { } token)
            {
                if (token.Length is 0 or > 300 || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                {
                    context.Error.WriteLine("agentops runs: --next takes the token a previous page printed, as it was printed");
                    return Task.FromResult(ExitCodes.Usage);
                }

                query = query.Append($"next={Uri.EscapeDataString(token)}");
            }

            return RunAsync(context, "?" + string.Join('&', query), result.GetValue(format)!, result.GetValue(host), cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string query, string format, string? hostOption, CancellationToken cancellationToken)
    {
        var (response, code) = await HostOptions.SendAsync(context, "runs", hostOption, c => c.GetAsync("/api/evidence/runs" + query, cancellationToken), cancellationToken);
        if (response is null)
        {
            return code;
        }

        if (format == "json")
        {
            context.Out.WriteLine(response.Body);
            return ExitCodes.Ok;
        }

        var page = response.Read<RunSearchDto>();
        var runs = page?.Runs ?? [];
        if (runs.Count == 0)
        {
            context.Out.WriteLine(page?.Next is { } more
                ? $"no match among the {page.Scanned} runs read; older runs remain: agentops runs ... --next {more}"
                : "no run matches");
            return ExitCodes.Ok;
        }

        var table = new TextTable(["Run", "Workflow / status", "Started (UTC)", "Initiator / approvers", "Wrote"], [34, 28, 17, 30, 36]);
        foreach (var hit in runs)
        {
            var s = hit.Summary;
            table.Add([hit.RunId ?? "?"], [s?.Workflow ?? "?", s?.Status ?? "?", .. GovernanceLines(s?.GovernanceOff)],
                [s?.StartedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "?"],
                [$"by {s?.Initiator?.Name ?? "?"}", .. DeciderLines(s?.Status, s?.Approvers)],
                s?.Writes is { Count: > 0 } writes ? [.. writes] : ["-"]);
        }

        context.Out.Write(table.Render());
        context.Out.WriteLine(page!.Next is { } next
            ? $"{runs.Count} run{(runs.Count == 1 ? string.Empty : "s")} on this page; next page: the same command with --next {next}"
            : $"{runs.Count} run{(runs.Count == 1 ? string.Empty : "s")}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Who decided, in words. The index lists each person whose decision counted, once, without saying approve or
    /// reject. A rejection ends the run, so a rejected run with one decider was rejected by them; with several, the
    /// index cannot say which of them rejected (one person may have approved one gate and rejected a later one), so it
    /// says only that one of them did. In a run that was not rejected every counted decision was an approval.
    /// </summary>
    internal static IEnumerable<string> DeciderLines(string? status, IReadOnlyList<HostApi.PrincipalDto>? deciders)
    {
        var names = (deciders ?? []).Select(d => d.Name ?? "?").ToList();
        if (names.Count == 0)
        {
            return [];
        }

        if (status != "rejected")
        {
            return names.Select(name => $"approved by {name}");
        }

        return names.Count == 1 ? [$"rejected by {names[0]}"] : [.. names.Select(name => $"decided by {name}"), "(one of them rejected)"];
    }

    /// <summary>A run started with governance off says so in its row, so a search result is never read as a governed run.</summary>
    private static IEnumerable<string> GovernanceLines(IReadOnlyList<string>? off) => (off ?? []).Select(name => $"governance OFF: {name}");
}

using System.CommandLine;
using System.Text.Json;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops purge (administrators): deletes a run's evidence and Durable history once its workflow's retention has
/// passed since it ended, leaving a signed tombstone in the log; refuses evidence younger than its retention.
/// </summary>
internal sealed class PurgeCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var run = new Argument<string?>("run") { Description = "The run to purge (omit with --expired).", Arity = ArgumentArity.ZeroOrOne };
        var expired = new Option<bool>("--expired") { Description = "Purge every run whose retention has passed." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be purged and what is kept, delete nothing." };
        var host = HostOptions.Host();
        var command = new Command("purge", "Delete evidence whose retention has passed (administrators); evidence younger than its workflow's retention is refused. "
            + "(The instance API's purge removes Durable history only: evidence stays.)")
        {
            run, expired, dryRun, host,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(context, result.GetValue(run), result.GetValue(expired), result.GetValue(dryRun), result.GetValue(host), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string? runId, bool expired, bool dryRun, string? hostOption, CancellationToken cancellationToken)
    {
        if ((runId is null) == !expired)
        {
            context.Error.WriteLine("agentops purge: give a run id or --expired (not both)");
            return ExitCodes.Usage;
        }

        var flag = dryRun ? "?dryRun=true" : string.Empty;
        var (response, code) = await HostOptions.SendAsync(context, "purge", hostOption, c => runId is not null
            ? c.DeleteAsync($"/api/runs/{Uri.EscapeDataString(runId)}/evidence{flag}", cancellationToken)
            : c.PostAsync($"/api/evidence/purge{flag}", new { }, cancellationToken), cancellationToken);
        if (response is null)
        {
            return code;
        }

        using var answer = JsonDocument.Parse(response.Body);
        var root = answer.RootElement;
        if (runId is not null)
        {
            context.Out.WriteLine(dryRun
                ? $"run {runId}: would be purged ({Text(root, "reason")})"
                : $"run {runId}: evidence purged ({Text(root, "reason")}); a tombstone in the log records it{(root.TryGetProperty("historyPurged", out var h) && h.GetBoolean() ? "; Durable history purged" : string.Empty)}");
            return ExitCodes.Ok;
        }

        var purged = root.GetProperty("purged").EnumerateArray().ToList();
        var kept = root.GetProperty("kept").EnumerateArray().ToList();
        foreach (var item in purged)
        {
            context.Out.WriteLine($"{(dryRun ? "would purge" : "purged")} {Text(item, "runId")}: {Text(item, "reason")}");
        }

        context.Out.WriteLine($"{purged.Count} run{(purged.Count == 1 ? string.Empty : "s")} {(dryRun ? "would be " : string.Empty)}purged, {kept.Count} kept (retention not over, still running, or not verifiable)");
        return ExitCodes.Ok;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "?";
}

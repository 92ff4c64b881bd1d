using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using DurableAgentOps.Cli.HostApi;

namespace DurableAgentOps.Cli.Commands;

/// <summary>What `agentops replay` was asked to do.</summary>
internal sealed record ReplayArguments(string? RunId, bool RecordedDefinition, string? Bundle, string Format, string? Host);

/// <summary>One side of a divergence, as the host describes it.</summary>
internal sealed record ReplayCallDto(string? Kind, string? Name, string? Digest, string? Step)
{
    public override string ToString() =>
        $"{Kind} {Name}{(Step is null ? string.Empty : $" (step {Step})")}{(Digest is null ? string.Empty : $" {(Kind == "finished" ? "result" : "input")} sha256 {Digest}")}";
}

internal sealed record ReplayDifferenceDto(string? Path, string? Expected, string? Got);

internal sealed record ReplayDivergenceDto(
    int Index, string? Kind, string? KindText, string? Summary, ReplayCallDto? Expected, ReplayCallDto? Got, IReadOnlyList<ReplayDifferenceDto>? Differences, int MoreDifferences);

internal sealed record ReplayCountsDto(int Activities, int Events, int Timers, int Bookkeeping);

internal sealed record ReplayDefinitionDto(string? Workflow, string? RecordedSha256, string? CurrentSha256, bool ReplayedCurrent, bool Changed);

internal sealed record ReplayReportDto(ReplayDefinitionDto? Definition, IReadOnlyList<string>? Notes, string? OutcomeRecorded, string? OutcomeToday);

/// <summary>The host's answer to a replay.</summary>
internal sealed record ReplayAnswerDto(string? RunId, string? Source, bool SameDecisions, ReplayCountsDto? Compared, ReplayDivergenceDto? Divergence, ReplayReportDto? Report);

/// <summary>
/// agentops replay &lt;run&gt;: today's orchestrator code against the run's recorded decisions (its Durable history while
/// the host keeps it, else its evidence ledger, or an exported bundle), every side effect stubbed; says "same decisions"
/// or names the first divergence. Exit codes: 0 same decisions, 1 a divergence (or the host could not replay), 2 bad
/// usage or an unreadable bundle file, 3 unreachable, 4 sign-in, 5 not allowed.
/// </summary>
internal sealed class ReplayCommand : ICliCommand
{
    /// <summary>The host's limit for a bundle (the replay API's bundle limit): a bigger file is refused before it is sent.</summary>
    internal const int MaxBundleBytes = 4 * 1024 * 1024;

    public Command Create(CliContext context)
    {
        var runId = new Argument<string?>("run") { Description = "The run to replay (optional with --bundle).", Arity = ArgumentArity.ZeroOrOne };
        var recorded = new Option<bool>("--recorded-definition")
        {
            Description = "Replay against the definition the run started with, so only code changes show (default: today's workflow file).",
        };
        var bundle = new Option<string?>("--bundle") { HelpName = "file", Description = "Replay an exported evidence bundle (agentops export) instead of the host's records." };
        var format = CommonOptions.Format("Output format: text or json (the host's answer).", "text", "json");
        var host = HostOptions.Host();
        var command = new Command("replay",
            "Replay a run: today's orchestrator code against its recorded decisions (Durable history, else the evidence ledger, or --bundle), side effects stubbed; prints \"same decisions\" or the first divergence (expected vs got). Needs the Investigator role.")
        {
            runId, recorded, bundle, format, host,
        };
        command.SetAction((result, cancellationToken) => RunAsync(context, new ReplayArguments(
            result.GetValue(runId), result.GetValue(recorded), result.GetValue(bundle), result.GetValue(format)!, result.GetValue(host)), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, ReplayArguments args, CancellationToken cancellationToken)
    {
        if (args.RunId is null && args.Bundle is null)
        {
            context.Error.WriteLine("agentops replay: name the run to replay (agentops replay <run>), or give an exported bundle (--bundle <file>)");
            return ExitCodes.Usage;
        }

        string? bundleText = null;
        if (args.Bundle is { } file && ReadBundle(context, file, out bundleText) is { } unreadable)
        {
            return unreadable;
        }

        var (client, code) = await HostOptions.ConnectAsync(context, "replay", args.Host, cancellationToken);
        if (client is null)
        {
            return code;
        }

        using (client)
        {
            var query = args.RecordedDefinition ? "?definition=recorded" : string.Empty;
            HostResponse response;
            try
            {
                response = bundleText is null
                    ? await client.GetAsync($"/api/runs/{Uri.EscapeDataString(args.RunId!)}/replay{query}", cancellationToken)
                    : await client.PostJsonTextAsync($"/api/replay{query}", bundleText, cancellationToken);
            }
            catch (HostUnreachableException ex)
            {
                return HostOptions.Unreachable(context, ex);
            }

            if (response.Status != HttpStatusCode.OK)
            {
                return HostOptions.Refused(context, "replay", response);
            }

            var answer = response.Read<ReplayAnswerDto>();
            if (answer is null)
            {
                context.Error.WriteLine("agentops replay: the host's answer is not a replay report");
                return ExitCodes.Failed;
            }

            if (args.RunId is { } wanted && bundleText is not null && answer.RunId != wanted)
            {
                context.Error.WriteLine($"agentops replay: the bundle {args.Bundle} is of run {answer.RunId}, not {wanted}");
                return ExitCodes.Usage;
            }

            context.Out.Write(args.Format == "json" ? response.Body.TrimEnd() + "\n" : Text(answer));
            return answer.SameDecisions ? ExitCodes.Ok : ExitCodes.Failed;
        }
    }

    /// <summary>"same decisions (…; source: ledger)", or the first divergence with what was expected and what today's code does.</summary>
    internal static string Text(ReplayAnswerDto answer)
    {
        var text = new StringBuilder();
        var counts = answer.Compared is { } c ? $"{c.Activities} activities, {c.Events} events, {c.Timers} timers compared; " : string.Empty;
        if (answer.Divergence is not { } d)
        {
            text.Append(CultureInfo.InvariantCulture, $"same decisions ({counts}source: {answer.Source})\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"diverges at #{d.Index} ({d.KindText ?? d.Kind}; source: {answer.Source}): {d.Summary}\n");
            text.Append(CultureInfo.InvariantCulture, $"  expected: {d.Expected?.ToString() ?? "(nothing)"}\n");
            text.Append(CultureInfo.InvariantCulture, $"  got:      {d.Got?.ToString() ?? "(nothing)"}\n");
            foreach (var difference in d.Differences ?? [])
            {
                text.Append(CultureInfo.InvariantCulture, $"    {difference.Path}: {difference.Expected} → {difference.Got}\n");
            }

            if (d.MoreDifferences > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"    … and {d.MoreDifferences} more\n");
            }
        }

        if (answer.Report?.Definition is { } definition)
        {
            var which = definition.ReplayedCurrent ? "today's" : "the run's own";
            text.Append(CultureInfo.InvariantCulture, $"  definition: {which}{(definition.Changed ? " (today's differs from the run's)" : string.Empty)}\n");
        }

        foreach (var note in answer.Report?.Notes ?? [])
        {
            text.Append(CultureInfo.InvariantCulture, $"  note: {note}\n");
        }

        return text.ToString();
    }

    private static int? ReadBundle(CliContext context, string file, out string? text)
    {
        text = null;
        try
        {
            var info = new FileInfo(file);
            if (info.Exists && info.Length > MaxBundleBytes)
            {
                context.Error.WriteLine($"agentops replay: the bundle file '{file}' is {info.Length} bytes, over the host's limit of {MaxBundleBytes}");
                return ExitCodes.Usage;
            }

            text = File.ReadAllText(file, new UTF8Encoding(false, throwOnInvalidBytes: true));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or DecoderFallbackException)
        {
            var why = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                DecoderFallbackException => "it is not UTF-8 text",
                _ => ex.Message,
            };
            context.Error.WriteLine($"agentops replay: cannot read the bundle file '{file}': {why}");
            return ExitCodes.Usage;
        }
    }
}

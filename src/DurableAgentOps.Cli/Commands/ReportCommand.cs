using System.CommandLine;
using System.Text;
using DurableAgentOps.Core.Evidence.Story;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops report: a run's incident report (Markdown or HTML) from its evidence, verified here; to the terminal or a
/// file (written whole or not at all). Exit 1 when the evidence does not verify (the report is still written and says so),
/// 2 for bad usage or an unusable --output file.
/// </summary>
internal sealed class ReportCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "The run to report on." };
        var format = CommonOptions.Format("Report format: markdown or html.", "markdown", "html");
        var output = new Option<string?>("--output", "-o") { HelpName = "file", Description = "Write the report to this file (replaced if it exists) instead of the terminal." };
        var host = HostOptions.Host();
        var command = new Command("report", "Write a run's incident report: who started it, which identities acted with which scope, who approved on which channel, what changed, what failed, and the verdict.")
        {
            run, format, output, host,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(context, result.GetValue(run)!, result.GetValue(format)!, result.GetValue(output), result.GetValue(host), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string runId, string format, string? output, string? hostOption, CancellationToken cancellationToken)
    {
        string? path = null;
        if (output is not null)
        {
            try
            {
                path = Path.GetFullPath(output);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                context.Error.WriteLine($"agentops report: --output '{output}' is not a usable path: {ex.Message}");
                return ExitCodes.Usage;
            }

            if (Directory.Exists(path) || Path.GetDirectoryName(path) is not { } folder || !Directory.Exists(folder))
            {
                context.Error.WriteLine($"agentops report: --output {path}: {(Directory.Exists(path) ? "is a folder" : "its folder does not exist")}");
                return ExitCodes.Usage;
            }
        }

        var (story, verification, code) = await EvidenceStoryCommand.LoadAsync(context, "report", runId, hostOption, cancellationToken);
        if (story is null)
        {
            return code;
        }

        var text = format == "html" ? IncidentReport.ToHtml(story, verification) : IncidentReport.ToMarkdown(story, verification);
        if (path is null)
        {
            context.Out.Write(text);
            return EvidenceStoryCommand.Verdict(verification);
        }

        // Written beside the target and moved into place: never a half-written report.
        var temporary = path + ".partial";
        try
        {
            await File.WriteAllTextAsync(temporary, text, new UTF8Encoding(false), cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            context.Error.WriteLine($"agentops report: --output {path}: cannot write it: {ex.Message}");
            return ExitCodes.Usage;
        }

        context.Out.WriteLine($"wrote {path}: incident report ({format}) of run {runId}; evidence: {IncidentReport.VerdictOf(verification)}");
        return EvidenceStoryCommand.Verdict(verification);
    }
}

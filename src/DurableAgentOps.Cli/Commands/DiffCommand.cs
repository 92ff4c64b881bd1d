using System.CommandLine;
using DurableAgentOps.Cli.Output;
using DurableAgentOps.Cli.Sources;
using DurableAgentOps.Core.Diff;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops diff &lt;old&gt; &lt;new&gt;: changes to identities, scopes and gates; exit 2 on any widening.</summary>
internal sealed class DiffCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var oldArg = new Argument<string>("old") { Description = "The old version: a path, or git-rev:path (e.g. main:workflows/crm-followup.yaml)." };
        var newArg = new Argument<string>("new") { Description = "The new version: a path, or git-rev:path." };
        var allow = new Option<bool>("--allow-widening") { Description = "Report widenings but exit 0 (for a reviewed, intended widening)." };
        var format = CommonOptions.Format("Output format: text or json.", "text", "json");
        var command = new Command("diff", "Compare two versions of a workflow; every widening (new operation, field or record, removed gate, longer timeout, smaller quorum) is flagged and exits 2.")
        {
            oldArg, newArg, allow, format,
        };
        command.SetAction(result => Run(context, result.GetValue(oldArg)!, result.GetValue(newArg)!, result.GetValue(allow), result.GetValue(format)!));
        return command;
    }

    internal static int Run(CliContext context, string oldSpec, string newSpec, bool allowWidening, string format)
    {
        var oldLoad = WorkflowSource.Load(oldSpec);
        var newLoad = WorkflowSource.Load(newSpec);
        var problems = oldLoad.Findings.Concat(newLoad.Findings).Where(f => f.IsError).ToList();
        if (problems.Count > 0 || oldLoad.Workflow is null || newLoad.Workflow is null)
        {
            FindingWriter.WriteText(context.Error, problems);
            context.Error.WriteLine("agentops diff: both versions must be valid workflows; fix the errors above first");
            return ExitCodes.Failed;
        }

        var report = WorkflowDiffer.Compare(oldLoad.Workflow, newLoad.Workflow);
        var widenings = report.Widenings.Count();
        if (format == "json")
        {
            FindingWriter.WriteJson(context.Out, report.Changes, new { changes = report.Changes.Count, widenings, allowWidening });
        }
        else
        {
            FindingWriter.WriteText(context.Out, report.Changes);
            context.Out.WriteLine(report.Changes.Count == 0
                ? "no changes to identities, scopes or gates"
                : $"{report.Changes.Count} change(s), {widenings} widening(s){(widenings > 0 && allowWidening ? " (allowed by --allow-widening)" : string.Empty)}");
        }

        return report.HasWidening && !allowWidening ? ExitCodes.Widened : ExitCodes.Ok;
    }
}

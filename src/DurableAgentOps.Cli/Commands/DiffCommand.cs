using System.CommandLine;
using DurableAgentOps.Cli.Output;
using DurableAgentOps.Cli.Sources;
using DurableAgentOps.Core.Diff;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops diff &lt;old&gt; &lt;new&gt;: changes to identities, scopes and gates; exit 2 on any widening, 1 when either version
/// has errors (the changes are still reported, from what could be read) or cannot be read at all.
/// </summary>
internal sealed class DiffCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var oldArg = new Argument<string>("old") { Description = "The old version: a path, or git-rev:path (e.g. main:workflows/crm-followup.yaml)." };
        var newArg = new Argument<string>("new") { Description = "The new version: a path, or git-rev:path." };
        var allow = new Option<bool>("--allow-widening") { Description = "Report widenings but exit 0 (for a reviewed, intended widening)." };
        var format = CommonOptions.Format("Output format: text or json.", "text", "json");
        var command = new Command("diff", "Compare two versions of a workflow; every widening (new operation, field or record, removed gate, longer timeout, smaller quorum) is flagged and exits 2. Errors in either version are reported beside the changes and exit 1.")
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
        FindingWriter.WriteText(context.Error, problems);
        if (oldLoad.Workflow?.Definition is null || newLoad.Workflow?.Definition is null)
        {
            var unread = oldLoad.Workflow?.Definition is null ? oldSpec : newSpec;
            context.Error.WriteLine($"agentops diff: {unread} could not be read as a workflow; fix the errors above to compare");
            return ExitCodes.Failed;
        }

        // A version with errors is still compared as far as it was read: an error must not hide a widening beside it.
        var report = WorkflowDiffer.Compare(oldLoad.Workflow, newLoad.Workflow);
        var widenings = report.Widenings.Count();
        if (format == "json")
        {
            FindingWriter.WriteJson(context.Out, report.Changes, new { changes = report.Changes.Count, widenings, allowWidening, errors = problems.Count });
        }
        else
        {
            FindingWriter.WriteText(context.Out, report.Changes);
            context.Out.WriteLine(report.Changes.Count == 0
                ? "no changes to identities, scopes or gates"
                : $"{report.Changes.Count} change(s), {widenings} widening(s){(widenings > 0 && allowWidening ? " (allowed by --allow-widening)" : string.Empty)}");
        }

        if (problems.Count > 0)
        {
            context.Error.WriteLine($"agentops diff: {problems.Count} error(s) above; the changes are compared from what could be read, and the versions must be valid to pass");
            return ExitCodes.Failed;
        }

        return report.HasWidening && !allowWidening ? ExitCodes.Widened : ExitCodes.Ok;
    }
}

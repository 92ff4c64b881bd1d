using System.CommandLine;
using DurableAgentOps.Cli.Output;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops validate [paths]: every finding, exit 1 on any error.</summary>
internal sealed class ValidateCommand : ICliCommand
{
    public const string DefaultPath = "workflows";

    public Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Workflow files or folders (default: workflows/). A folder's identities.yaml is checked too, with over-privilege warnings.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var format = CommonOptions.Format("Output format: text (file:line:col: severity CODE: message) or json.", "text", "json");
        var command = new Command("validate", "Validate workflow files and the identity catalogue; exit 1 on any error.") { paths, format };
        command.SetAction(result => Run(context, result.GetValue(paths) ?? [], result.GetValue(format)!));
        return command;
    }

    internal static int Run(CliContext context, string[] paths, string format)
    {
        var report = WorkflowSetValidator.Validate(paths.Length > 0 ? paths : [DefaultPath]);
        if (format == "json")
        {
            FindingWriter.WriteJson(context.Out, report.Findings, new { files = report.Files.Count, errors = report.Errors, warnings = report.Warnings });
        }
        else
        {
            FindingWriter.WriteText(context.Out, report.Findings);
            context.Out.WriteLine($"{report.Files.Count} file(s) checked: {report.Errors} error(s), {report.Warnings} warning(s)");
        }

        return report.Errors > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}

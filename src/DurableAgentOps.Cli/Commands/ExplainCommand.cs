using System.CommandLine;
using DurableAgentOps.Cli.Output;
using DurableAgentOps.Core.Explain;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops explain &lt;workflow&gt;: identity, scope, approval and evidence, step by step.</summary>
internal sealed class ExplainCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var workflow = new Argument<string>("workflow") { Description = "A workflow file, or a workflow name under workflows/ (e.g. crm-followup)." };
        var format = CommonOptions.Format("Output format: table (terminal; 'text' is the same), markdown (for a pull request) or json.", "table", "text", "markdown", "json");
        var environment = new Option<string>("--environment", "-e")
        {
            Description = "Which client id to show for each identity (a key under clientIds in identities.yaml).",
            DefaultValueFactory = _ => IdentityCatalogue.LocalEnvironment,
        };
        var command = new Command("explain", "Explain what each step of a workflow may do, under which identity, and what needs approval.") { workflow, format, environment };
        command.SetAction(result => Run(context, result.GetValue(workflow)!, result.GetValue(format)!, result.GetValue(environment)!));
        return command;
    }

    internal static int Run(CliContext context, string workflow, string format, string environment)
    {
        var path = ResolveWorkflowPath(workflow);
        var loaded = WorkflowLoader.Load(path);
        if (loaded.HasErrors)
        {
            FindingWriter.WriteText(context.Error, loaded.AllFindings.Where(f => f.IsError));
            context.Error.WriteLine($"agentops explain: {path} has errors; fix them first (agentops validate {path})");
            return ExitCodes.Failed;
        }

        var explanation = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue, environment);
        context.Out.Write(format switch
        {
            "markdown" => ExplainRenderer.Markdown(explanation),
            "json" => ExplainRenderer.Json(explanation),
            _ => ExplainRenderer.Table(explanation),
        });
        return ExitCodes.Ok;
    }

    /// <summary>A bare name means workflows/&lt;name&gt;.yaml, so `agentops explain crm-followup` works from the repository root.</summary>
    internal static string ResolveWorkflowPath(string workflow)
    {
        if (File.Exists(workflow) || workflow.Contains('/', StringComparison.Ordinal) || workflow.Contains('.', StringComparison.Ordinal))
        {
            return workflow;
        }

        return Path.Combine(ValidateCommand.DefaultPath, workflow + ".yaml");
    }
}
